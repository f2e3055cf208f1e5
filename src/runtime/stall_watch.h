// When a waiting worker of the thread pool stops spinning (see runtime/thread_pool.cpp).
#pragma once
#include <chrono>
#include <cstdint>

namespace smollm {

// The stall rule of a worker with nothing left to claim (see runtime/thread_pool.cpp): true once
// the open job's done count has not moved for `limit`. Fed the done count and the job's size
// at each clock reading; a finished job (done == total) never stalls, since the next job is
// the caller's to start.
class StallWatch {
public:
    StallWatch(uint32_t done, std::chrono::steady_clock::time_point now, std::chrono::microseconds limit)
        : last_done_(done), last_change_(now), limit_(limit) {}
    bool stalled(uint32_t done, uint32_t total, std::chrono::steady_clock::time_point now) {
        if (done == total) return false;
        if (done != last_done_) {
            last_done_ = done;
            last_change_ = now;
            return false;
        }
        return now - last_change_ > limit_;
    }

private:
    uint32_t last_done_;
    std::chrono::steady_clock::time_point last_change_;
    std::chrono::microseconds limit_;
};

}  // namespace smollm
