// Workers wait for a new job generation in three stages: spin (a forward pass issues jobs
// microseconds apart, so a sleeping worker would cost more than the job), then yield (so a
// shared machine keeps moving), then block on a condition variable (so an idle engine burns
// no CPU). The caller spins then yields while the workers finish.
#include "runtime/thread_pool.h"

#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>

#ifndef SMOLLM_NO_THREADS
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>
#endif

namespace smollm {

#ifdef SMOLLM_NO_THREADS

struct ThreadPool::Impl {};

ThreadPool::ThreadPool(int) : n_threads_(1) {}
ThreadPool::~ThreadPool() { stop_workers(); }

void ThreadPool::stop_workers() {
    delete impl_;
    impl_ = nullptr;
}

void ThreadPool::run(const std::function<void(int, int)>& job) { job(0, 1); }

bool ThreadPool::threads_available() { return false; }

#else

namespace {

constexpr int kSpinChecks = 2000;
constexpr auto kYieldPeriod = std::chrono::microseconds(500);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

}  // namespace

struct ThreadPool::Impl {
    std::vector<std::thread> workers;
    const std::function<void(int, int)>* job = nullptr;
    std::atomic<uint64_t> generation{0};
    std::atomic<int> remaining{0};
    std::atomic<int> sleepers{0};
    std::atomic<bool> stopping{false};
    std::mutex mutex;
    std::condition_variable wake;
    // The first exception a worker threw in the current job; rethrown by run().
    std::exception_ptr error;
    std::mutex error_mutex;
    int n_threads = 1;

    // Returns the new generation once it differs from `seen`.
    uint64_t wait_for_job(uint64_t seen) {
        for (int i = 0; i < kSpinChecks; ++i) {
            uint64_t g = generation.load(std::memory_order_acquire);
            if (g != seen) return g;
            cpu_relax();
        }
        auto deadline = std::chrono::steady_clock::now() + kYieldPeriod;
        while (std::chrono::steady_clock::now() < deadline) {
            uint64_t g = generation.load(std::memory_order_acquire);
            if (g != seen) return g;
            std::this_thread::yield();
        }
        std::unique_lock<std::mutex> lock(mutex);
        sleepers.fetch_add(1);
        wake.wait(lock, [&] { return generation.load() != seen; });
        sleepers.fetch_sub(1);
        return generation.load(std::memory_order_acquire);
    }

    void worker_main(int index) {
        uint64_t seen = 0;
        for (;;) {
            seen = wait_for_job(seen);
            if (stopping.load(std::memory_order_acquire)) return;
            try {
                (*job)(index, n_threads);
            } catch (...) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (!error) error = std::current_exception();
            }
            remaining.fetch_sub(1, std::memory_order_acq_rel);
        }
    }

    void publish() {
        // The generation changes under the mutex, so a worker between its last check and its
        // wait cannot miss the wake-up.
        {
            std::lock_guard<std::mutex> lock(mutex);
            generation.fetch_add(1);
        }
        if (sleepers.load() > 0) wake.notify_all();
    }

    void wait_for_workers() {
        for (int i = 0; i < kSpinChecks; ++i) {
            if (remaining.load(std::memory_order_acquire) == 0) return;
            cpu_relax();
        }
        while (remaining.load(std::memory_order_acquire) != 0) std::this_thread::yield();
    }
};

ThreadPool::ThreadPool(int n_threads) {
    n_threads_ = n_threads < 1 ? 1 : n_threads;
    impl_ = new Impl();
    impl_->n_threads = n_threads_;
    impl_->workers.reserve(static_cast<size_t>(n_threads_ - 1));
    try {
        for (int i = 1; i < n_threads_; ++i) {
            impl_->workers.emplace_back([this, i] { impl_->worker_main(i); });
        }
    } catch (const std::system_error& e) {
        // In wasm a thread can only start on a Worker created before the module's thread
        // blocked (the pthread pool is built with PTHREAD_POOL_SIZE_STRICT=2, so an exhausted
        // pool fails here instead of deadlocking run()). Stop what did start, then explain.
        const size_t started = impl_->workers.size();
        stop_workers();
        throw std::runtime_error("thread pool: could only start " + std::to_string(started + 1) +
                                 " of " + std::to_string(n_threads_) +
                                 " threads (" + e.what() +
                                 "); in wasm the module's pthread pool must hold at least " +
                                 std::to_string(n_threads_ - 1) + " workers");
    } catch (...) {
        stop_workers();
        throw;
    }
}

void ThreadPool::stop_workers() {
    impl_->stopping.store(true);
    impl_->publish();
    for (auto& w : impl_->workers) w.join();
    delete impl_;
    impl_ = nullptr;
}

ThreadPool::~ThreadPool() { stop_workers(); }

void ThreadPool::run(const std::function<void(int, int)>& job) {
    if (n_threads_ == 1) {
        job(0, 1);
        return;
    }
    impl_->job = &job;
    impl_->remaining.store(n_threads_ - 1, std::memory_order_relaxed);
    impl_->publish();
    std::exception_ptr caller_error;
    try {
        job(0, n_threads_);
    } catch (...) {
        caller_error = std::current_exception();
    }
    impl_->wait_for_workers();
    impl_->job = nullptr;
    if (caller_error) std::rethrow_exception(caller_error);
    if (impl_->error) {
        std::exception_ptr e = impl_->error;
        impl_->error = nullptr;
        std::rethrow_exception(e);
    }
}

bool ThreadPool::threads_available() { return true; }

#endif

}  // namespace smollm
