// The rule that runs the thread pool on fewer workers while they keep losing their cores, and
// tries one more later (runtime/slot_governor.h). Time is passed in, so these run on made-up
// clock readings, never on the machine's speed.
#include <algorithm>
#include <chrono>
#include <vector>

#include <catch.hpp>

#include "runtime/slot_governor.h"

using smollm::SlotGovernor;
using Clock = SlotGovernor::Clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {

const microseconds kWork{60};
const microseconds kShortWait{40};   // a chunk that ends after the caller's: not a lost core
const microseconds kSlice{4000};     // a worker lost its core for a time slice

// Jobs every 100 us for `span`, one in `every` waiting a time slice (none when every is 0).
// Returns the slots allowed after the last.
int run_jobs(SlotGovernor& g, Clock::time_point& t, microseconds span, int every) {
    int allowed = g.allowed();
    for (int i = 1; i <= span / microseconds(100); ++i) {
        t += microseconds(100);
        allowed = g.after_job(kWork, every > 0 && i % every == 0 ? kSlice : kShortWait, t);
    }
    return allowed;
}

// Jobs every 100 us, one in 100 waiting a time slice (40% of the time lost), until the last
// worker is out; returns how long that took (it must be within a window).
microseconds lose_until_out(SlotGovernor& g, Clock::time_point& t) {
    const Clock::time_point from = t;
    for (int i = 1; g.allowed() > 0 && t - from <= SlotGovernor::kWindow; ++i) {
        t += microseconds(100);
        g.after_job(kWork, i % 100 == 0 ? kSlice : kShortWait, t);
    }
    return std::chrono::duration_cast<microseconds>(t - from);
}

}  // namespace

TEST_CASE("short waits, and waits no longer than the caller's own work, keep every slot", "[runtime]") {
    SlotGovernor g(3);
    Clock::time_point t{};
    CHECK(run_jobs(g, t, milliseconds(1000), 0) == 3);
    for (int i = 0; i < 5000; ++i) {
        t += microseconds(400);
        // Longer than kLongWait but not than the work: a long job's last chunk.
        CHECK(g.after_job(microseconds(5000), microseconds(4000), t) == 3);
        // Longer than the work but under kLongWait: a short job's last chunk.
        CHECK(g.after_job(microseconds(50), microseconds(400), t) == 3);
    }
}

TEST_CASE("a time slice lost now and then keeps every slot; lost often, half the workers go", "[runtime]") {
    SlotGovernor g(2);
    Clock::time_point t{};
    // One 4 ms wait every 100 ms: 4% of the time, under kLostPercent.
    CHECK(run_jobs(g, t, milliseconds(2000), 1000) == 2);
    // One every 20 ms (20%): the next window ends with half the workers, the one after with none.
    CHECK(run_jobs(g, t, SlotGovernor::kWindow + milliseconds(1), 200) == 1);
    // The retry comes kFirstRetry later: a window at 1 worker that keeps losing takes the last one out.
    CHECK(run_jobs(g, t, SlotGovernor::kWindow, 200) == 0);
    // With no worker left nothing is lost; it stays at 0 until the retry.
    g.after_job(kWork, kSlice, t);   // never below 0
    CHECK(g.allowed() == 0);
    SlotGovernor four(3);   // 4 threads: 3 workers, then 1
    Clock::time_point t4{};
    CHECK(run_jobs(four, t4, SlotGovernor::kWindow + milliseconds(1), 200) == 1);
}

TEST_CASE("a worker taken out is tried again, later each time a try fails in its first window", "[runtime]") {
    SlotGovernor g(1);
    Clock::time_point t{};
    // A losing window: the worker goes once the losses pass kLostPercent of a window (here
    // after 3 of them, 30 ms in), before the window's end.
    REQUIRE(lose_until_out(g, t) < SlotGovernor::kWindow);
    REQUIRE(g.allowed() == 0);
    microseconds retry = SlotGovernor::kFirstRetry;
    for (int round = 0; round < 10; ++round) {
        // Nothing is lost without workers; the try comes `retry` after the reduction (windows
        // end on job boundaries, so within one window of it).
        const Clock::time_point down = t;
        while (g.allowed() == 0) {
            t += microseconds(100);
            g.after_job(kWork, microseconds(0), t);
        }
        CHECK(t - down >= retry);
        CHECK(t - down <= retry + SlotGovernor::kWindow + microseconds(100));
        // The try loses in its first window: out again, and the next try waits twice as long.
        REQUIRE(lose_until_out(g, t) < SlotGovernor::kWindow);
        REQUIRE(g.allowed() == 0);
        retry = std::min(2 * retry, SlotGovernor::kMaxRetry);
    }
    CHECK(retry == SlotGovernor::kMaxRetry);
    // A try that holds for a window: the next reduction waits kFirstRetry again.
    while (g.allowed() == 0) {
        t += microseconds(100);
        g.after_job(kWork, microseconds(0), t);
    }
    REQUIRE(run_jobs(g, t, SlotGovernor::kWindow + milliseconds(1), 0) == 1);
    REQUIRE(lose_until_out(g, t) < SlotGovernor::kWindow);
    REQUIRE(g.allowed() == 0);
    const Clock::time_point down = t;
    while (g.allowed() == 0) {
        t += microseconds(100);
        g.after_job(kWork, microseconds(0), t);
    }
    CHECK(t - down <= SlotGovernor::kFirstRetry + SlotGovernor::kWindow + microseconds(100));
}

TEST_CASE("workers come back one at a time, never past the pool's slots", "[runtime]") {
    SlotGovernor g(3);
    Clock::time_point t{};
    while (g.allowed() > 0) run_jobs(g, t, SlotGovernor::kWindow, 100);
    int most = 0, changes = 0, last = 0;
    for (int i = 0; i < 100000; ++i) {
        t += microseconds(100);
        const int now = g.after_job(kWork, kShortWait, t);
        CHECK(now - last <= 1);
        changes += now != last;
        last = now;
        most = std::max(most, now);
    }
    CHECK(most == 3);
    CHECK(changes == 3);
    SlotGovernor none(0);
    CHECK(none.after_job(kWork, kSlice, t) == 0);
    CHECK(none.after_job(kWork, kShortWait, t + SlotGovernor::kMaxRetry) == 0);
}

TEST_CASE("a governor started below its slots (the pool's probe) tries more after kMaxRetry, then climbs", "[runtime]") {
    SlotGovernor g(3, 1);
    CHECK(g.allowed() == 1);
    Clock::time_point t{};
    // Quiet: nothing changes before kMaxRetry, as if tries had been failing.
    CHECK(run_jobs(g, t, SlotGovernor::kMaxRetry - SlotGovernor::kWindow, 0) == 1);
    // Then one more per window while the tries hold, up to every slot.
    CHECK(run_jobs(g, t, SlotGovernor::kWindow, 0) == 2);
    CHECK(run_jobs(g, t, SlotGovernor::kWindow, 0) == 3);
    CHECK(run_jobs(g, t, SlotGovernor::kMaxRetry, 0) == 3);

    // Losing from the start: never above the start, down to none.
    SlotGovernor busy(3, 1);
    Clock::time_point tb{};
    CHECK(run_jobs(busy, tb, SlotGovernor::kWindow + milliseconds(1), 20) == 0);
    CHECK(SlotGovernor(3, 7).allowed() == 3);
    CHECK(SlotGovernor(3, -1).allowed() == 0);
}

namespace {

// Steps of one token, each taking 4 ms / speed[width] (the fastest width's speed is 1.0), for
// `windows` whole step windows of time; returns the step time spent at each width. Steps of
// kDuelStep or longer: no duel (those have cases of their own).
std::vector<microseconds> run_windows(SlotGovernor& g, double windows, const std::vector<double>& speed) {
    std::vector<microseconds> at(speed.size(), microseconds(0));
    const auto span = microseconds(static_cast<int64_t>(windows * static_cast<double>(SlotGovernor::kRateWindow.count())));
    for (microseconds spent(0); spent < span;) {
        const int width = g.allowed();
        const microseconds took(static_cast<int64_t>(4000.0 / speed[static_cast<size_t>(width)]));
        at[static_cast<size_t>(width)] += took;
        spent += took;
        g.after_step(1, took);
    }
    return at;
}

const microseconds kWindowTime = SlotGovernor::kRateWindow;

}  // namespace

TEST_CASE("steps reported: on a quiet machine a narrower trial fails, and trials come ever further apart", "[runtime]") {
    SlotGovernor g(1);
    const std::vector<double> quiet{0.55, 1.0};
    // Nothing changes before kTryEvery whole windows.
    CHECK(run_windows(g, SlotGovernor::kTryEvery - 0.1, quiet)[0] == microseconds(0));
    // Then one window runs narrower, and the width comes back.
    const auto first = run_windows(g, 2.2, quiet);
    CHECK(first[0] >= kWindowTime);
    CHECK(first[0] < kWindowTime + milliseconds(8));
    CHECK(g.allowed() == 1);
    // Over 2000 windows the trials cost well under one window in kTryEvery.
    const auto at = run_windows(g, 2000, quiet);
    CHECK(g.allowed() == 1);
    CHECK(at[0] > microseconds(0));
    CHECK(at[0] * 100 < at[1]);
}

TEST_CASE("steps reported: beside a busy neighbour one worker fewer does more, stays, and a wider trial fails", "[runtime]") {
    SlotGovernor g(1);
    // One thread alone keeps its core; two share what the neighbour leaves and wait on each other.
    const std::vector<double> busy{1.0, 0.7};
    run_windows(g, SlotGovernor::kTryEvery + 1.5, busy);
    CHECK(g.allowed() == 0);
    const auto at = run_windows(g, 2000, busy);
    CHECK(g.allowed() == 0);
    CHECK(at[1] * 50 < at[0]);

    // The neighbour leaves: a wider trial holds (within the longest gap between trials).
    const std::vector<double> quiet{0.55, 1.0};
    run_windows(g, SlotGovernor::kMaxTryEvery + 2, quiet);
    CHECK(g.allowed() == 1);
}

TEST_CASE("steps reported: equal speeds settle on more workers", "[runtime]") {
    SlotGovernor g(1);
    const std::vector<double> equal{1.0, 1.0};
    const auto at = run_windows(g, 1000, equal);
    CHECK(g.allowed() == 1);
    CHECK(at[0] * 20 < at[1]);
}

TEST_CASE("steps reported: a governor below its slots climbs by trials that hold, one a window", "[runtime]") {
    SlotGovernor g(3, 1);
    const std::vector<double> quiet{0.3, 0.55, 0.8, 1.0};
    run_windows(g, SlotGovernor::kTryEvery - 0.1, quiet);
    CHECK(g.allowed() == 1);
    run_windows(g, 1, quiet);
    CHECK(g.allowed() == 2);
    run_windows(g, 2, quiet);
    CHECK(g.allowed() == 3);
    run_windows(g, 1000, quiet);
    CHECK(g.allowed() == 3);
}

TEST_CASE("steps reported: steps of another size end a trial at the width it left", "[runtime]") {
    SlotGovernor g(1);
    const std::vector<double> quiet{0.55, 1.0};
    run_windows(g, SlotGovernor::kTryEvery + 1, quiet);
    REQUIRE(g.allowed() == 0);   // the trial's window has begun
    // A prompt's batch: its tokens cost differently, so the trial cannot be judged, and the
    // batch runs at the width the trial left.
    CHECK(g.before_step(64) == 1);
    CHECK(g.after_step(64, milliseconds(20)) == 1);
    // Back to single tokens: a new reference first, no trial for kTryEvery windows.
    CHECK(run_windows(g, SlotGovernor::kTryEvery - 1, quiet)[0] == microseconds(0));
}

TEST_CASE("steps reported: the wait rule halves at once and adds back, up to the width a trial found best", "[runtime]") {
    SlotGovernor g(3);
    g.after_step(1, milliseconds(5));
    Clock::time_point t{};
    REQUIRE(lose_until_out(g, t) < SlotGovernor::kWindow);
    CHECK(g.allowed() == 0);
    // Quiet jobs: the wait rule's tries bring every worker back, as without steps.
    CHECK(run_jobs(g, t, 2 * SlotGovernor::kMaxRetry, 0) == 3);

    // One worker fewer does more per second (a busy neighbour whose cost shows in no wait):
    // the trial holds, and the wait rule's tries stop there.
    SlotGovernor busy(1);
    const std::vector<double> speed{1.0, 0.7};
    run_windows(busy, SlotGovernor::kTryEvery + 1.5, speed);
    REQUIRE(busy.allowed() == 0);
    Clock::time_point tb{};
    CHECK(run_jobs(busy, tb, 4 * SlotGovernor::kMaxRetry, 0) == 0);
}

TEST_CASE("steps reported: a wider trial that loses cores failed: the next trial comes twice as late", "[runtime]") {
    SlotGovernor g(3, 1);   // 4 threads, 2 found running at once
    const std::vector<double> speed{0.55, 1.0, 1.0, 1.0};
    run_windows(g, SlotGovernor::kTryEvery + 1, speed);
    REQUIRE(g.allowed() == 2);   // the wider trial's window has begun
    // Three at once on two cores: a worker holding a chunk keeps losing its core.
    Clock::time_point t{};
    for (int i = 1; g.allowed() == 2 && i < 10000; ++i) {
        t += microseconds(100);
        g.after_job(kWork, i % 100 == 0 ? kSlice : kShortWait, t);
    }
    CHECK(g.allowed() == 1);
    // No trial for twice kTryEvery windows, then the other way: one worker fewer.
    CHECK(run_windows(g, 2 * SlotGovernor::kTryEvery - 0.5, speed)[0] == microseconds(0));
    CHECK(g.allowed() == 1);
    CHECK(run_windows(g, 3, speed)[0] > microseconds(0));
    CHECK(g.allowed() == 1);
}

namespace {

// Steps of one token whose times (ms) cycle through pattern[width], for `windows` whole step
// windows of time; returns the step time spent at each width.
std::vector<microseconds> run_pattern(SlotGovernor& g, double windows, const std::vector<std::vector<double>>& pattern) {
    std::vector<microseconds> at(pattern.size(), microseconds(0));
    std::vector<size_t> next(pattern.size(), 0);
    const auto span = microseconds(static_cast<int64_t>(windows * static_cast<double>(SlotGovernor::kRateWindow.count())));
    for (microseconds spent(0); spent < span;) {
        const auto width = static_cast<size_t>(g.allowed());
        const auto& times = pattern[width];
        const microseconds took(static_cast<int64_t>(1000.0 * times[next[width]++ % times.size()]));
        at[width] += took;
        spent += took;
        g.after_step(1, took);
    }
    return at;
}

}  // namespace

TEST_CASE("steps reported: short steps start with a duel of widths, step by step", "[runtime]") {
    // Beside a spinner (tiny-py in Chromium): two threads' steps evenly slow, 2.2 ms; one thread
    // alone 1.45 ms. No wait and no single step shows it: only a comparison does.
    SlotGovernor busy(1);
    const std::vector<std::vector<double>> uneven{{1.45}, {2.2}};
    const auto duel = run_pattern(busy, 1, uneven);
    CHECK(busy.allowed() == 0);
    CHECK(duel[1] == microseconds((SlotGovernor::kDuelSteps + 1) * 2200));   // the first step, then the duel's
    // It holds as a trial would: wider trials fail.
    const auto after = run_pattern(busy, 100, uneven);
    CHECK(busy.allowed() == 0);
    CHECK(after[1] * 20 < after[0]);

    // Spiky (tiny-py under Node beside a spinner): 1.2 ms, or 4-6 ms where a thread lost its
    // core; one thread alone 1.8 ms.
    SlotGovernor spiky(1);
    run_pattern(spiky, 1, {{1.8}, {1.2, 4.5, 2.0, 5.5, 1.3, 3.9, 4.1}});
    CHECK(spiky.allowed() == 0);

    // Quiet: two threads 1.0 ms, one 1.6 ms; the duel costs its narrower steps, once.
    SlotGovernor quiet(1);
    const std::vector<std::vector<double>> fast{{1.6}, {1.0}};
    const auto q = run_pattern(quiet, SlotGovernor::kTryEvery - 1, fast);
    CHECK(quiet.allowed() == 1);
    CHECK(q[0] == microseconds(SlotGovernor::kDuelSteps * 1600));
    CHECK(quiet.after_step(8, milliseconds(3)) == 1);   // a prompt: no second duel
    CHECK(run_pattern(quiet, 0.5, fast)[0] == microseconds(0));

    // Equal (WebKit, tiny-py): more workers stay.
    SlotGovernor equal(1);
    run_pattern(equal, 1, {{1.0}, {1.0}});
    CHECK(equal.allowed() == 1);
}

TEST_CASE("steps reported: a duel put off by a step of another size, none for long steps", "[runtime]") {
    // A warm-up's first token, then its prompt: the duel goes back to the width it left and
    // runs on the next short steps.
    SlotGovernor g(1);
    CHECK(g.after_step(1, microseconds(1000)) == 0);
    CHECK(g.before_step(64) == 1);   // the prompt runs at the width the duel left
    CHECK(g.after_step(64, milliseconds(20)) == 1);
    run_pattern(g, 1, {{1.45}, {2.2}});
    CHECK(g.allowed() == 0);
    // Without before_step (a caller that reports only ends), the same after the step.
    SlotGovernor late(1);
    CHECK(late.after_step(1, microseconds(1000)) == 0);
    CHECK(late.after_step(64, milliseconds(20)) == 1);

    SlotGovernor slow(1);
    CHECK(run_pattern(slow, 3, {{8.0}, {5.0}})[0] == microseconds(0));
}

TEST_CASE("steps reported: a duel the wait rule interrupts gives no verdict", "[runtime]") {
    SlotGovernor g(3);
    CHECK(g.after_step(1, milliseconds(1)) == 2);   // the duel's first, narrower step
    Clock::time_point t{};
    REQUIRE(lose_until_out(g, t) < SlotGovernor::kWindow);
    CHECK(g.allowed() == 0);
    CHECK(g.after_step(1, milliseconds(1)) == 0);   // the wait rule's width stays
    CHECK(run_jobs(g, t, 2 * SlotGovernor::kMaxRetry, 0) == 3);
    CHECK(g.after_step(1, milliseconds(1)) == 3);   // and no duel follows
}
