// A persistent pool of workers (std::thread natively, pthreads in the multi-threaded wasm
// build, none in the single-threaded build). Workers are created once and wait on a cheap
// barrier between jobs, so a forward pass costs no thread creation.
#pragma once
#include <functional>

namespace smollm {

class ThreadPool {
public:
    // n_threads includes the calling thread. In a build without threads it is clamped to 1.
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
    struct Impl;
    Impl* impl_ = nullptr;
    int n_threads_ = 1;
};

}  // namespace smollm
