// A persistent pool of workers (std::thread natively, pthreads in the multi-threaded wasm
// build, none in the single-threaded build). Workers are created once and wait on a cheap
// barrier between jobs, so a forward pass costs no thread creation.
#pragma once
#include <functional>

namespace smollm {

class ThreadPool {
public:
    // n_threads includes the calling thread. In a build without threads it is clamped to 1.
    // Throws std::runtime_error when the threads cannot be started (in wasm: a pthread pool
    // smaller than n_threads - 1).
    explicit ThreadPool(int n_threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }

    // Runs job(thread_index, n_threads) on every thread, the caller being thread 0, and
    // returns when all have finished.
    void run(const std::function<void(int, int)>& job);

    // True when this build can create threads at all.
    static bool threads_available();

private:
    // Stops and joins the workers and frees the shared state (destructor, failed start).
    void stop_workers();

    struct Impl;
    Impl* impl_ = nullptr;
    int n_threads_ = 1;
};

}  // namespace smollm
