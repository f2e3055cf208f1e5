// The rule that ends a waiting worker's spin: no chunk of the open job finished for `limit`.
// Time is passed in, so these run on made-up clock readings, never on the machine's speed.
#include <chrono>

#include <catch.hpp>

#include "runtime/stall_watch.h"

using smollm::StallWatch;
using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;

TEST_CASE("a waiter gives up once no chunk has finished for the limit", "[runtime]") {
    const Clock::time_point t0{};
    StallWatch watch(3, t0, microseconds(40));
    CHECK_FALSE(watch.stalled(3, 10, t0 + microseconds(40)));   // exactly the limit: not yet
    CHECK(watch.stalled(3, 10, t0 + microseconds(41)));
}

TEST_CASE("each finished chunk restarts the stall clock", "[runtime]") {
    const Clock::time_point t0{};
    StallWatch watch(0, t0, microseconds(40));
    CHECK_FALSE(watch.stalled(2, 10, t0 + microseconds(35)));
    CHECK_FALSE(watch.stalled(2, 10, t0 + microseconds(70)));   // 35 us since the last progress
    CHECK_FALSE(watch.stalled(5, 10, t0 + microseconds(100)));
    CHECK(watch.stalled(5, 10, t0 + microseconds(141)));
}

TEST_CASE("a finished job never stalls: the next one is the caller's to start", "[runtime]") {
    const Clock::time_point t0{};
    StallWatch watch(10, t0, microseconds(40));
    CHECK_FALSE(watch.stalled(10, 10, t0 + std::chrono::seconds(1)));
    // The caller reset done for a new job that has not been seen yet: progress, not a stall.
    CHECK_FALSE(watch.stalled(0, 20, t0 + std::chrono::seconds(2)));
    CHECK(watch.stalled(0, 20, t0 + std::chrono::seconds(2) + microseconds(41)));
}
