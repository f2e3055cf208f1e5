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
#pragma once
#include <algorithm>
#include <chrono>

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
        } else {
            if (trying_) {   // a try that lasted a window without losing holds: try the next now
                retry_ = kFirstRetry;
                retry_at_ = now;
            }
            trying_ = false;
            if (allowed_ < slots_ && now >= retry_at_) {
                ++allowed_;
                trying_ = true;
                retry_at_ = now + retry_;
            }
        }
        return allowed_;
    }

private:
    int slots_;
    int allowed_;
    Clock::time_point window_start_{};
    Micros lost_{0};           // long waits in the current window
    Micros retry_ = kFirstRetry;
    Clock::time_point retry_at_{};
    bool trying_ = false;      // the last window boundary added a worker
    bool started_ = false;     // a job has been reported
};

}  // namespace smollm
