// How many of the thread pool's worker run slots the next job may fill (see
// runtime/thread_pool.cpp). After each job the caller reports how long it ran chunks itself
// and how long it then waited for the chunks other threads still held. A wait longer than
// both its own work and kLongWait means a worker holding a chunk lost its core for a time
// slice: a busy neighbour, or more threads than cores (WebKitGTK reports 4 cores on a 2-core
// machine). Every kWindow the governor adds those waits up; when they are more than
// kLostPercent of the window, the pool runs with half its workers (rounded down: 4 threads
// on 2 cores get to 2 in one window), and adds one back later: after kFirstRetry, twice as
// long each time a try fails in its first window; a try that holds is followed by the next one
// at once (a window later). A governor may start below its slots, where the pool's start-up
// probe measured fewer threads running at once (runtime/concurrency_probe.h).
//
// Why: beside one busy process on 2 cores, tiny-py's decode at 2 threads (jobs of ~70 us)
// ran at 240 tok/s under Node and at 40% of its quiet speed in Firefox, against 382 tok/s
// for one thread: a worker lost its core while holding a chunk about once every 25 ms, and
// the job waited a whole time slice (~4 ms) for it, some 17% of the time; the rest of the
// loss is two threads sharing what is left of the cores. With the governor: 375 and 329
// tok/s; quiet, 707-721 against 721-724 without it. On a quiet machine such waits are rare
// (one 4 ms wait in a window is 4%). Time is passed in, so the rule is tested on
// made-up clock readings (tests/cpp/runtime/slot_governor_test.cpp).
//
// Throughput trials, where the caller reports steps (after_step: the engine's forward passes,
// their tokens and how long each took). Some losses show in no wait: beside one busy process
// on 2 cores, tiny-py's decode at 2 threads kept 36-48% of its quiet speed in the browsers,
// while one thread alone, which the neighbour leaves a core, keeps ~60%; the waits stayed
// under the rule above, because the time lost was the caller's own (three runnable threads on
// two cores: each is off its core a third of the time). So the governor also compares: steps
// of one size are gathered into windows (at least kRateSteps steps and kRateWindow of step
// time), and every so many windows one window runs at a width one worker narrower (or wider,
// where it is below its slots) than the window before. The trial width stays if it did more
// per second (narrower: kMarginPercent more; wider: no more than kMarginPercent less), so
// equal widths settle on more workers. Tries come kTryEvery windows apart, twice as far after
// each that failed (up to kMaxTryEvery), so on a quiet machine they cost at most one slower
// window in kTryEvery, then ever less. A narrower width that held is also where the wait
// rule stops adding workers back (a wider one that held lifts that limit again), so the wait
// rule's tries do not undo what a trial found.
//
// Short generations are over before the first trial (tiny-py decodes 128 tokens in ~110 ms
// quiet, ~300 ms beside a spinner; kTryEvery windows are a second). So the first steps of a
// size that runs in under kDuelStep (where a lost time slice weighs) are a duel: kDuelSteps
// pairs of steps, each pair one step a worker narrower and one at the width before, then the
// width whose median step was shorter stays (the narrower one only if kDuelMarginPercent
// shorter), as after a trial. Neighbouring steps see the same machine, the same code tier and
// context length, so a few of them tell what whole windows would: beside a spinner tiny-py's
// steps in Chromium are evenly 2.2 ms at 2 threads, 1.45 ms at one; quiet, 0.95 and 1.4. A
// quiet duel costs its narrower steps (~4 ms), once in a governor's life; a step of another
// size (the prompt after a warm-up's first token) puts the duel off to the next run of short
// steps.
#pragma once
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>

namespace smollm {

class SlotGovernor {
public:
    using Clock = std::chrono::steady_clock;
    using Micros = std::chrono::microseconds;

    // A wait shorter than this is never blamed on a lost core: a time slice is milliseconds,
    // while a chunk that merely ends after the caller's is at most one chunk time.
    static constexpr Micros kLongWait{500};
    static constexpr Micros kWindow{100'000};
    static constexpr int kLostPercent = 8;
    // A persistent neighbour costs one failed try (one window at the slower width) every
    // kMaxRetry: ~3% of the time.
    static constexpr Micros kFirstRetry{100'000};
    static constexpr Micros kMaxRetry{3'200'000};
    // Throughput trials (after_step).
    static constexpr Micros kRateWindow{50'000};
    static constexpr int kRateSteps = 2;
    static constexpr int kTryEvery = 20;
    static constexpr int kMaxTryEvery = 640;
    static constexpr int kMarginPercent = 5;
    static constexpr int kDuelSteps = 8;
    static constexpr Micros kDuelStep{4'000};
    static constexpr int kDuelMarginPercent = 10;

    // `start`: the slots the first jobs may fill, where the thread pool's start-up probe found
    // fewer threads running at once than there are slots. The first try of one more comes
    // kMaxRetry after the first job (as after a run of failed tries: the probe has just seen
    // these cores busy), and each try that holds is followed by the next a window later, so a
    // probe that ran while the cores were briefly busy (a browser compiling the module on its
    // own threads) costs seconds, not the load's lifetime.
    explicit SlotGovernor(int slots) : SlotGovernor(slots, slots) {}
    SlotGovernor(int slots, int start)
        : slots_(std::max(slots, 0)), allowed_(std::clamp(start, 0, slots_)),
          retry_(allowed_ < slots_ ? kMaxRetry : kFirstRetry) {}

    int allowed() const { return allowed_; }

    // One job's figures; returns the worker slots the next job may fill (0 .. slots()).
    int after_job(Micros work, Micros wait, Clock::time_point now) {
        if (!started_) {   // windows and tries count from the start of the first job
            started_ = true;
            window_start_ = now - work - wait;
            retry_at_ = window_start_ + retry_;
        }
        if (wait > kLongWait && wait > work) lost_ += wait;
        const auto elapsed = std::chrono::duration_cast<Micros>(now - window_start_);
        // A window ends early once its losses alone exceed kLostPercent of a whole window: a
        // worker that keeps losing its core is taken out (or a failed try ended) in half the
        // time when it loses a time slice every ~25 ms.
        const bool lost_enough = lost_.count() * 100 > kWindow.count() * kLostPercent;
        if (elapsed < kWindow && !lost_enough) return allowed_;
        const bool losing = lost_enough || lost_.count() * 100 > elapsed.count() * kLostPercent;
        window_start_ = now;
        lost_ = Micros{0};
        if (allowed_ > 0 && losing) {
            retry_ = trying_ ? std::min(2 * retry_, kMaxRetry) : kFirstRetry;
            allowed_ /= 2;
            trying_ = false;
            retry_at_ = now + retry_;
            // A trial that lost cores failed (its step window, of two widths, is discarded).
            if (trial_ != Trial::kNone) trial_failed();
        } else {
            if (trying_) {   // a try that lasted a window without losing holds: try the next now
                retry_ = kFirstRetry;
                retry_at_ = now;
            }
            trying_ = false;
            // Up to what the throughput trials last found best (every slot until one held
            // narrower), and never under a trial's feet.
            if (allowed_ < trial_limit_ && trial_ == Trial::kNone && duel_.left == 0 && now >= retry_at_) {
                ++allowed_;
                trying_ = true;
                retry_at_ = now + retry_;
            }
        }
        return allowed_;
    }

    // The caller is about to run a step of `units`; returns the worker slots it may fill. A
    // duel or trial open on steps of another size ends here, so this step does not run at its
    // width (a prompt's batch after a warm-up's first token).
    int before_step(int64_t units) {
        if (units <= 0) return allowed_;
        if (duel_.left > 0 && units != duel_.units) {
            allowed_ = duel_.wide;
            duel_ = {};
            window_ = {};
        }
        if (trial_ != Trial::kNone && units != window_.units_per_step) {
            allowed_ = trial_from_;
            windows_to_try_ = try_every_;
            trial_ = Trial::kNone;
        }
        return allowed_;
    }

    // One step of the caller's work: `units` (a forward pass's tokens) in `took`. Returns the
    // worker slots the next job may fill. Steps of another size than the window's start a new
    // window (a prompt's batches and decode's single tokens cost differently per token) and
    // end a trial at the width it left.
    int after_step(int64_t units, Micros took) {
        if (units <= 0) return allowed_;
        // For a caller that announces no steps; after before_step(units) it changes nothing.
        before_step(units);
        if (duel_.left > 0 && !duel_step(took)) return allowed_;
        if (units != window_.units_per_step || allowed_ != window_.width) {
            reference_ = 0;
            window_ = {units, 0, Micros{0}, 0, allowed_};
        }
        window_.units += units;
        window_.time += took;
        ++window_.steps;
        if (!duel_done_ && window_.steps == 1 && took < kDuelStep && allowed_ > 0 && trial_ == Trial::kNone) {
            duel_ = {units, 2 * kDuelSteps, allowed_, {}, {}, 0, 0};
            --allowed_;   // narrower first, then every other step
            return allowed_;
        }
        if (window_.steps < kRateSteps || window_.time < kRateWindow) return allowed_;
        const double rate = static_cast<double>(window_.units) / static_cast<double>(std::max<int64_t>(window_.time.count(), 1));
        if (trial_ != Trial::kNone) {
            judge_trial(rate);
        } else {
            reference_ = rate;
            if (--windows_to_try_ <= 0) start_trial();
        }
        window_ = {units, 0, Micros{0}, 0, allowed_};   // the next window, at the width now set
        return allowed_;
    }

private:
    enum class Trial { kNone, kNarrower, kWider };
    struct Duel {
        int64_t units = 0;
        int left = 0;   // steps still to run (0: no duel)
        int wide = 0;   // the width it started at; the other is one narrower
        std::array<Micros, kDuelSteps> wide_steps{};
        std::array<Micros, kDuelSteps> narrow_steps{};
        int n_wide = 0;
        int n_narrow = 0;
    };

    // One step of a duel, of its size (before_step ends a duel that meets another size, back at
    // the width it started at, to be tried on the next run of short steps); false while it goes
    // on (the width for the next step set), true when the wait rule changed the width: no
    // verdict, its width stays, no duel follows, and the step is the caller's again.
    bool duel_step(Micros took) {
        const bool wide = allowed_ == duel_.wide;
        if (!wide && allowed_ != duel_.wide - 1) {
            duel_ = {};
            duel_done_ = true;
            window_ = {};
            return true;
        }
        if (wide) duel_.wide_steps[static_cast<size_t>(duel_.n_wide++)] = took;
        else duel_.narrow_steps[static_cast<size_t>(duel_.n_narrow++)] = took;
        if (--duel_.left > 0) {
            allowed_ = wide ? duel_.wide - 1 : duel_.wide;
            return false;
        }
        const Micros narrow = median(duel_.narrow_steps);
        const Micros at_wide = median(duel_.wide_steps);
        if (narrow.count() * 100 < at_wide.count() * (100 - kDuelMarginPercent)) {
            // As a narrower trial that held: the wait rule stops here, trials go wider next.
            allowed_ = duel_.wide - 1;
            trial_limit_ = allowed_;
            next_wider_ = false;
        } else {
            allowed_ = duel_.wide;
        }
        duel_ = {};
        duel_done_ = true;
        window_ = {};   // the first window starts with the next step
        return false;
    }

    static Micros median(std::array<Micros, kDuelSteps> steps) {
        std::nth_element(steps.begin(), steps.begin() + kDuelSteps / 2, steps.end());
        return steps[kDuelSteps / 2];
    }

    struct StepWindow {
        int64_t units_per_step = 0;
        int64_t units = 0;
        Micros time{0};
        int steps = 0;
        int width = -1;
    };

    void start_trial() {
        const bool can_narrow = allowed_ > 0;
        const bool can_widen = allowed_ < slots_;
        if (!can_narrow && !can_widen) {
            windows_to_try_ = try_every_;
            return;
        }
        // Where both are possible: on in the direction of the last trial that held, or the other
        // way after one that failed.
        const bool widen = can_widen && (!can_narrow || next_wider_);
        trial_from_ = allowed_;
        allowed_ += widen ? 1 : -1;
        trial_ = widen ? Trial::kWider : Trial::kNarrower;
    }

    void judge_trial(double rate) {
        const bool held = trial_ == Trial::kNarrower ? rate * 100 > reference_ * (100 + kMarginPercent)
                                                     : rate * 100 >= reference_ * (100 - kMarginPercent);
        if (held) {
            reference_ = rate;
            try_every_ = kTryEvery;
            // A width that grew and held: the next one is tried a window later.
            windows_to_try_ = trial_ == Trial::kWider && allowed_ < slots_ ? 1 : try_every_;
            next_wider_ = trial_ == Trial::kWider;
            trial_limit_ = trial_ == Trial::kWider ? std::max(trial_limit_, allowed_) : allowed_;
            trial_ = Trial::kNone;
        } else {
            allowed_ = trial_from_;
            trial_failed();
        }
    }

    // Back off: the next trial comes twice as many windows later, the other way where both
    // are possible. The width is the caller's to set.
    void trial_failed() {
        next_wider_ = trial_ != Trial::kWider;
        reference_ = 0;   // measured again at the width that stays
        try_every_ = std::min(2 * try_every_, kMaxTryEvery);
        windows_to_try_ = try_every_;
        trial_ = Trial::kNone;
    }

    int slots_;
    int allowed_;
    Clock::time_point window_start_{};
    Micros lost_{0};           // long waits in the current window
    Micros retry_ = kFirstRetry;
    Clock::time_point retry_at_{};
    bool trying_ = false;      // the last window boundary added a worker
    bool started_ = false;     // a job has been reported
    // Throughput trials (after_step).
    StepWindow window_;
    double reference_ = 0;     // units per microsecond of the last whole window (0: none yet)
    Trial trial_ = Trial::kNone;
    int trial_from_ = 0;       // the width a trial left
    bool next_wider_ = true;   // the next trial's direction, where both are possible
    int trial_limit_ = slots_; // the wait rule adds workers back up to here
    int try_every_ = kTryEvery;
    int windows_to_try_ = kTryEvery;
    Duel duel_;
    bool duel_done_ = false;   // one duel in a governor's life
};

}  // namespace smollm
