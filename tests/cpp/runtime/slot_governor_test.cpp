// The rule that runs the thread pool on fewer workers while they keep losing their cores, and
// tries one more later (runtime/slot_governor.h). Time is passed in, so these run on made-up
// clock readings, never on the machine's speed.
#include <algorithm>
#include <chrono>

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
