#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include <catch.hpp>

#include "runtime/thread_pool.h"

using smollm::ThreadPool;

TEST_CASE("every thread runs each job exactly once with its own index", "[runtime]") {
    for (int n : {1, 2, 3, 4, 7}) {
        ThreadPool pool(n);
        const int expected = ThreadPool::threads_available() ? n : 1;
        REQUIRE(pool.size() == expected);
        std::vector<std::atomic<int>> hits(static_cast<size_t>(expected));
        std::atomic<int> wrong_count{0};   // Catch2 assertions are not thread-safe
        for (int rep = 0; rep < 100; ++rep) {
            pool.run([&](int index, int count) {
                if (count != expected) wrong_count.fetch_add(1);
                hits[static_cast<size_t>(index)].fetch_add(1);
            });
        }
        CHECK(wrong_count.load() == 0);
        for (auto& h : hits) CHECK(h.load() == 100);
    }
}

TEST_CASE("run returns only after every thread finished (barrier)", "[runtime]") {
    ThreadPool pool(4);
    std::vector<int64_t> partial(static_cast<size_t>(pool.size()), 0);
    int64_t total = 0;
    for (int step = 0; step < 3000; ++step) {
        pool.run([&](int index, int count) { partial[static_cast<size_t>(index)] = step + index; });
        // Reading without synchronisation of our own: run() must have published the writes.
        for (int i = 0; i < pool.size(); ++i) total += partial[static_cast<size_t>(i)] - step;
    }
    const int64_t per_step = static_cast<int64_t>(pool.size()) * (pool.size() - 1) / 2;
    CHECK(total == per_step * 3000);
}

TEST_CASE("workers that went to sleep wake up for the next job", "[runtime]") {
    ThreadPool pool(3);
    std::atomic<int> ran{0};
    pool.run([&](int, int) { ran.fetch_add(1); });
    // Longer than the spin and yield phases: the workers now block on the condition variable.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    pool.run([&](int, int) { ran.fetch_add(1); });
    CHECK(ran.load() == 2 * pool.size());
}

TEST_CASE("an exception in any thread reaches the caller and the pool stays usable", "[runtime]") {
    ThreadPool pool(3);
    const int thrower = pool.size() - 1;
    REQUIRE_THROWS_WITH(pool.run([&](int index, int) {
        if (index == thrower) throw std::runtime_error("boom");
    }), "boom");
    std::atomic<int> ran{0};
    pool.run([&](int, int) { ran.fetch_add(1); });
    CHECK(ran.load() == pool.size());
}

TEST_CASE("a pool asked for zero or fewer threads runs on the caller alone", "[runtime]") {
    ThreadPool pool(0);
    CHECK(pool.size() == 1);
    int calls = 0;
    pool.run([&](int index, int count) {
        CHECK(index == 0);
        CHECK(count == 1);
        ++calls;
    });
    CHECK(calls == 1);
}

#if defined(__EMSCRIPTEN__) && !defined(SMOLLM_NO_THREADS)
// The wasm test binaries are linked with an 8-Worker pthread pool (PTHREAD_POOL_SIZE=8,
// STRICT=2). Asking for more must be a clear error rather than a run() that waits forever
// for a thread that cannot start while this thread blocks the event loop.
TEST_CASE("a pool larger than the wasm pthread pool fails clearly and leaves no thread behind",
          "[runtime]") {
    REQUIRE_THROWS_WITH(ThreadPool(16),
                        Catch::Contains("could only start 9 of 16 threads") &&
                            Catch::Contains("at least 15 workers"));
    // The threads that did start were stopped and joined: their Workers are free again.
    ThreadPool pool(9);
    std::atomic<int> ran{0};
    pool.run([&](int, int) { ran.fetch_add(1); });
    CHECK(ran.load() == 9);
}
#endif
