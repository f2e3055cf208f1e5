// How many of the thread pool's worker run slots the next job may fill (see
// runtime/thread_pool.cpp). After each job the caller reports how long it ran chunks itself
// and how long it then waited for the chunks other threads still held. A wait longer than
// both its own work and kLongWait means a worker holding a chunk lost its core for a time
// slice: a busy neighbour, or more threads than cores (WebKitGTK reports 4 cores on a 2-core
// machine). Every kWindow the governor adds those waits up; when they are more than
// kLostPercent of the window, the pool runs with half its workers (rounded down: 4 threads
// on 2 cores get to 2 in one window), and adds one back later: after kFirstRetry, twice as
// long each time a try fails in its first window.
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

    explicit SlotGovernor(int slots) : slots_(std::max(slots, 0)), allowed_(slots_) {}

    int allowed() const { return allowed_; }

    // One job's figures; returns the worker slots the next job may fill (0 .. slots()).
    int after_job(Micros work, Micros wait, Clock::time_point now) {
        if (wait > kLongWait && wait > work) lost_ += wait;
        const auto elapsed = std::chrono::duration_cast<Micros>(now - window_start_);
        if (elapsed < kWindow) return allowed_;
        const bool losing = lost_.count() * 100 > elapsed.count() * kLostPercent;
        window_start_ = now;
        lost_ = Micros{0};
        if (allowed_ > 0 && losing) {
            retry_ = trying_ ? std::min(2 * retry_, kMaxRetry) : kFirstRetry;
            allowed_ /= 2;
            trying_ = false;
            retry_at_ = now + retry_;
        } else {
            trying_ = false;   // a try that lasted a window without losing holds
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
};

}  // namespace smollm
