#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#if !defined(__EMSCRIPTEN__)
#include <ctime>
#endif

#include <catch.hpp>

#include "runtime/thread_pool.h"

using smollm::ThreadPool;

namespace {

int expected_size(int asked) { return ThreadPool::threads_available() ? std::max(1, asked) : 1; }

// Blocks until another thread calls open(); no timeout, so a pool that needs the blocked
// thread to make progress hangs the test instead of passing it by luck.
class Gate {
public:
    void open() {
        std::lock_guard<std::mutex> lock(mutex_);
        open_ = true;
        cv_.notify_all();
    }
    void wait() {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return open_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool open_ = false;
};

}  // namespace

TEST_CASE("every item of a job runs exactly once, in chunks on chunk boundaries", "[runtime]") {
    for (int n : {1, 2, 3, 4, 7}) {
        ThreadPool pool(n);
        REQUIRE(pool.size() == expected_size(n));
        for (int64_t items : {0, 1, 5, 64, 1000, 12345}) {
            for (int64_t chunk : {1, 3, 64}) {
                INFO("threads " << n << ", items " << items << ", chunk " << chunk);
                std::vector<std::atomic<int>> hits(static_cast<size_t>(items));
                std::atomic<int> bad{0};   // Catch2 assertions are not thread-safe
                pool.for_chunks(items, chunk, [&](int64_t begin, int64_t end, int thread) {
                    const bool whole = begin == 0 && end == items;   // a job run on the caller alone
                    if (begin >= end || (!whole && (begin % chunk != 0 || end - begin > chunk)) ||
                        thread < 0 || thread >= pool.size()) {
                        bad.fetch_add(1);
                    }
                    for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
                });
                CHECK(bad.load() == 0);
                int wrong = 0;
                for (auto& h : hits) wrong += h.load() != 1;
                CHECK(wrong == 0);
            }
        }
    }
}

TEST_CASE("a job of one chunk, or a pool of one thread, runs on the caller as one call", "[runtime]") {
    for (int n : {1, 3}) {
        ThreadPool pool(n);
        const std::thread::id caller = std::this_thread::get_id();
        const int64_t chunk = n == 1 ? 4 : 100;
        int calls = 0;
        pool.for_chunks(100, chunk, [&](int64_t begin, int64_t end, int thread) {
            CHECK(begin == 0);
            CHECK(end == 100);
            CHECK(thread == 0);
            CHECK(std::this_thread::get_id() == caller);
            ++calls;
        });
        CHECK(calls == 1);
    }
}

TEST_CASE("many back-to-back jobs each finish before the next starts", "[runtime]") {
    ThreadPool pool(4);
    std::vector<int64_t> slots(256, 0);
    int64_t total = 0;
    for (int job = 0; job < 20000; ++job) {
        pool.for_chunks(static_cast<int64_t>(slots.size()), 8, [&](int64_t begin, int64_t end, int) {
            for (int64_t i = begin; i < end; ++i) slots[static_cast<size_t>(i)] = job + i;
        });
        // Read without synchronisation of our own: for_chunks must have published the writes.
        for (size_t i = 0; i < slots.size(); ++i) total += slots[i] - job;
    }
    const int64_t per_job = static_cast<int64_t>(slots.size()) * (static_cast<int64_t>(slots.size()) - 1) / 2;
    CHECK(total == per_job * 20000);
}

TEST_CASE("a thread stalled inside a job holds back only its own chunk", "[runtime]") {
    // The first chunk a worker claims blocks until every other item has run: the other
    // threads (the caller included) must take over the rest. A pool that gives each thread a
    // fixed share would wait for the stalled one forever.
    if (!ThreadPool::threads_available()) return;   // one thread: nothing to stall
    for (int n : {2, 3, 4}) {
        ThreadPool pool(n, n, false);   // the stalled worker runs beside the caller (no governor:
                                        // on a busy machine it could take that worker out)
        const int64_t items = 200;
        for (int rep = 0; rep < 3; ++rep) {
            std::atomic<int64_t> finished{0};
            std::atomic<bool> stalled{false};
            std::atomic<bool> caller_waited{false};
            Gate worker_stalled, rest_done;
            pool.for_chunks(items, 1, [&](int64_t, int64_t, int thread) {
                if (thread != 0 && !stalled.exchange(true)) {
                    worker_stalled.open();
                    rest_done.wait();
                    return;
                }
                // The caller's first chunk waits for a worker to stall, so one always does.
                if (thread == 0 && !caller_waited.exchange(true)) worker_stalled.wait();
                if (finished.fetch_add(1) + 1 == items - 1) rest_done.open();
            });
            CHECK(finished.load() == items - 1);
        }
    }
}

TEST_CASE("workers that went to sleep wake up for the next job", "[runtime]") {
    ThreadPool pool(3, 3, false);   // the last job needs a worker: no governor
    std::atomic<int64_t> ran{0};
    auto count = [&](int64_t begin, int64_t end, int) { ran.fetch_add(end - begin); };
    pool.for_chunks(100, 1, count);
    // Far longer than the spin phase: the workers now block on the futex.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    pool.for_chunks(100, 1, count);
    CHECK(ran.load() == 200);
    if (!ThreadPool::threads_available()) return;
    // And they do take part: a job whose caller chunk waits for a worker's finishes.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Gate worker_ran;
    pool.for_chunks(100, 1, [&](int64_t, int64_t, int thread) {
        if (thread == 0) {
            worker_ran.wait();
        } else {
            worker_ran.open();
        }
    });
}

TEST_CASE("workers that stopped waiting on a held chunk take part in the next job", "[runtime]") {
    // A worker that finds nothing to claim while another thread holds a chunk for a long time
    // stops spinning and blocks (the stall rule); the next job must still wake it. The second
    // job finishes only once every worker has run a chunk of it, so a worker left asleep
    // hangs the test.
    if (!ThreadPool::threads_available()) return;
    for (int n : {2, 3, 4}) {
        ThreadPool pool(n, n, false);   // every thread may run at once, whatever the cores or the governor
        pool.for_chunks(static_cast<int64_t>(n), 1, [&](int64_t begin, int64_t, int) {
            if (begin == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        });
        std::vector<std::atomic<int>> ran(static_cast<size_t>(n));
        std::atomic<int> distinct{0};
        pool.for_chunks(1000, 1, [&](int64_t, int64_t, int thread) {
            if (ran[static_cast<size_t>(thread)].fetch_add(1) == 0) distinct.fetch_add(1);
            while (distinct.load() < n) std::this_thread::yield();
        });
        CHECK(distinct.load() == n);
    }
}

TEST_CASE("no more threads run a job at once than max_running", "[runtime]") {
    // Chunks long enough that every thread allowed to run would overlap with the others; the
    // count of chunks running at the same time must never pass the limit, and every item
    // still runs once (the caller takes what the sleeping workers do not).
    for (int limit : {1, 2, 3}) {
        ThreadPool pool(4, limit);
        REQUIRE(pool.max_running() == (ThreadPool::threads_available() ? limit : 1));
        std::atomic<int> running{0}, most{0};
        std::atomic<int64_t> items_run{0};
        std::vector<std::atomic<int>> by_thread(4);
        for (int job = 0; job < 50; ++job) {
            pool.for_chunks(32, 1, [&](int64_t begin, int64_t end, int thread) {
                const int now = running.fetch_add(1) + 1;
                for (int m = most.load(); now > m && !most.compare_exchange_weak(m, now);) {}
                const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
                while (std::chrono::steady_clock::now() < until) {}
                running.fetch_sub(1);
                items_run.fetch_add(end - begin);
                by_thread[static_cast<size_t>(thread)].fetch_add(1);
            });
            // Between some jobs, long enough for spinning workers to go to sleep.
            if (job % 10 == 9) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        INFO("limit " << limit);
        CHECK(most.load() <= limit);
        CHECK(items_run.load() == 50 * 32);
        if (limit == 1) CHECK(by_thread[0].load() == 50);   // each job ran on the caller as one call
    }
}

TEST_CASE("a worker that keeps losing its core while it holds a chunk is left out for a while", "[runtime]") {
    // Every chunk a worker runs takes 3 ms, as if it lost its core for a time slice; the
    // caller's take 20 us each. After a few such jobs the caller must run jobs alone
    // (runtime/slot_governor.h), every item still once. A pool that keeps the worker in has it
    // claim a chunk of every job (it spins between back-to-back jobs), and each job waits for it.
    if (!ThreadPool::threads_available()) return;
    ThreadPool pool(2, 2);
    int held_jobs = 0, caller_alone = 0;   // caller_alone: jobs in a row without the worker, after 3 held
    for (int job = 0; job < 200 && caller_alone < 5; ++job) {
        std::atomic<bool> worker_ran{false};
        std::atomic<int64_t> items{0};
        pool.for_chunks(64, 1, [&](int64_t begin, int64_t end, int thread) {
            items.fetch_add(end - begin);
            if (thread != 0) {
                worker_ran.store(true);
                std::this_thread::sleep_for(std::chrono::milliseconds(3));
                return;
            }
            const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(20);
            while (std::chrono::steady_clock::now() < until) {}
        });
        REQUIRE(items.load() == 64);
        if (worker_ran.load()) {
            ++held_jobs;
            caller_alone = 0;
        } else if (held_jobs >= 3) {
            ++caller_alone;
        }
    }
    CHECK(held_jobs >= 3);
    CHECK(caller_alone == 5);
}

TEST_CASE("by default as many threads run at once as the platform reports cores", "[runtime]") {
    const int cores = ThreadPool::platform_cores();
    CHECK(cores >= 1);
    ThreadPool pool(4);
    CHECK(pool.max_running() == (ThreadPool::threads_available() ? std::min(4, cores) : 1));
    ThreadPool asked(4, 64);   // a limit above the pool's size is the size
    CHECK(asked.max_running() == asked.size());
}

TEST_CASE("a pool that measures starts on no more threads at once than the machine runs", "[runtime]") {
    // Two more runners than cores, as when a browser over-reports (WebKitGTK: 4 on 2 cores):
    // the probe at start must find at most the cores (fewer beside a busy neighbour, never
    // fewer than 2); the limit stays what was asked (the governor may try more later), and
    // the pool still runs every item.
    const int cores = ThreadPool::platform_cores();
    const int asked = cores + 2;
    ThreadPool pool(asked, asked, true, /*measure=*/true);
    if (ThreadPool::threads_available()) {
        CHECK(pool.max_running() == asked);
        CHECK(pool.running_at_start() >= 2);
        CHECK(pool.running_at_start() <= std::max(cores, 2));
    } else {
        CHECK(pool.running_at_start() == 1);
    }
    std::atomic<int64_t> ran{0};
    pool.for_chunks(10'000, 16, [&](int64_t begin, int64_t end, int) { ran.fetch_add(end - begin); });
    CHECK(ran.load() == 10'000);
    ThreadPool unmeasured(asked, asked, true);
    CHECK(unmeasured.running_at_start() == expected_size(asked));
}

TEST_CASE("an exception in any thread reaches the caller and the pool stays usable", "[runtime]") {
    ThreadPool pool(3, 0, false);   // one section needs a worker to throw: no governor
    SECTION("thrown by whichever thread runs one item") {
        REQUIRE_THROWS_WITH(pool.for_chunks(1000, 1, [&](int64_t begin, int64_t, int) {
            if (begin == 500) throw std::runtime_error("boom");
        }), "boom");
    }
    if (ThreadPool::threads_available()) {
        SECTION("thrown by a worker while the caller waits for it") {
            Gate thrown;
            REQUIRE_THROWS_WITH(pool.for_chunks(1000, 1, [&](int64_t, int64_t, int thread) {
                if (thread == 0) {
                    thrown.wait();
                    return;
                }
                thrown.open();
                throw std::runtime_error("worker boom");
            }), "worker boom");
        }
    }
    std::atomic<int64_t> ran{0};
    pool.for_chunks(1000, 7, [&](int64_t begin, int64_t end, int) { ran.fetch_add(end - begin); });
    CHECK(ran.load() == 1000);
}

TEST_CASE("a pool asked for zero or fewer threads runs on the caller alone", "[runtime]") {
    ThreadPool pool(0);
    CHECK(pool.size() == 1);
    int calls = 0;
    pool.for_chunks(10, 1, [&](int64_t begin, int64_t end, int thread) {
        CHECK(begin == 0);
        CHECK(end == 10);
        CHECK(thread == 0);
        ++calls;
    });
    CHECK(calls == 1);
}

#if !defined(__EMSCRIPTEN__)
namespace {
double cpu_seconds(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
}  // namespace

// CPU time only counts what our threads run, so these hold on a busy machine too.
TEST_CASE("an idle pool uses no CPU", "[runtime]") {
    ThreadPool pool(4);
    pool.for_chunks(1000, 1, [](int64_t, int64_t, int) {});
    std::this_thread::sleep_for(std::chrono::milliseconds(20));   // past the spin phase
    const double before = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const double used = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - before;
    // Spinning workers would use 3 x 200 ms; blocked ones use none.
    CHECK(used < 0.02);
}

TEST_CASE("the caller blocks while a worker finishes a long chunk", "[runtime]") {
    ThreadPool pool(2, 2, false);   // needs the worker: no governor
    Gate worker_started;
    const double before = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
    // The caller's chunk waits (blocked) until the worker holds the other one, then the
    // caller has nothing left to claim for the 200 ms the worker sleeps.
    pool.for_chunks(2, 1, [&](int64_t, int64_t, int thread) {
        if (thread == 0) {
            worker_started.wait();
            return;
        }
        worker_started.open();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    });
    CHECK(cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - before < 0.02);
}
#endif

#if defined(__EMSCRIPTEN__) && !defined(SMOLLM_NO_THREADS)
// The wasm test binaries are linked with an 8-Worker pthread pool (PTHREAD_POOL_SIZE=8,
// STRICT=2). Asking for more must be a clear error rather than a job that waits forever
// for a thread that cannot start while this thread blocks the event loop.
TEST_CASE("a pool larger than the wasm pthread pool fails clearly and leaves no thread behind",
          "[runtime]") {
    REQUIRE_THROWS_WITH(ThreadPool(16),
                        Catch::Contains("could only start 9 of 16 threads") &&
                            Catch::Contains("at least 15 workers"));
    // The threads that did start were stopped and joined: their Workers are free again.
    ThreadPool pool(9);
    std::atomic<int64_t> ran{0};
    pool.for_chunks(1000, 1, [&](int64_t begin, int64_t end, int) { ran.fetch_add(end - begin); });
    CHECK(ran.load() == 1000);
}
#endif
