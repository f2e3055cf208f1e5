// A persistent pool of workers (std::thread natively, pthreads in the multi-threaded wasm
// build, none in the single-threaded build) that share out each job dynamically: the job's
// items are claimed in chunks from one shared counter by whichever threads are running, the
// calling thread included. A thread the OS has descheduled simply claims nothing, so it can
// hold a job back by at most the one chunk it is working on, never by a fixed share; on a
// machine where other programs hold cores (or with more threads than cores) the threads that
// do run take over the work. Idle threads block on a futex instead of burning a core, and no
// more threads run at once than the platform reports cores: a pool asked for more threads than
// that keeps the rest asleep instead of making them take turns on the cores with the threads
// that hold the work. Where the reported cores are more than the pool really gets (a busy
// neighbour, a browser that over-reports), jobs that keep waiting on workers that lost their
// core run on fewer workers for a while (runtime/slot_governor.h).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>

namespace smollm {

class ThreadPool {
public:
    // fn(begin, end, thread): runs items [begin, end) on thread `thread` (0 is the caller,
    // 1..size()-1 the workers; stable, so it can index per-thread scratch).
    using ChunkFn = std::function<void(int64_t, int64_t, int)>;

    // n_threads includes the calling thread. In a build without threads it is clamped to 1.
    // At most max_running of them (the caller included) run a job at once; 0 means the cores
    // the platform reports (platform_cores()). `adaptive` lets the slot governor run jobs on
    // fewer workers while they keep losing their cores (runtime/slot_governor.h); off, every
    // allowed thread takes part in every job (tests that need a worker to run a chunk).
    // `measure` (with `adaptive`): where 3 or more may run at once, measure at start how many
    // really do (a probe of some 12 ms, runtime/concurrency_probe.h) and start jobs on that
    // many (at least 2), the slot governor trying more later: the platform's report can be
    // wrong (WebKitGTK reports 4 cores on 2).
    // Throws std::runtime_error when the threads cannot be started (in wasm: a pthread pool
    // smaller than n_threads - 1).
    explicit ThreadPool(int n_threads, int max_running = 0, bool adaptive = true, bool measure = false);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }
    // How many threads may run a job at once (1 .. size()): the limit asked for or the cores
    // reported.
    int max_running() const { return max_running_; }
    // How many the first jobs run on: max_running(), or fewer where the start-up probe found
    // fewer threads running at once.
    int running_at_start() const { return start_running_; }

    // The cores this process can run on as the platform reports them: the CPUs of its affinity
    // mask natively on Linux, navigator.hardwareConcurrency in a browser (os.cpus() under
    // Node), std::thread::hardware_concurrency() elsewhere; 0 when unknown.
    static int platform_cores();

    // Runs fn over items [0, n_items), handed out in chunks of `chunk` items (the last one may
    // be shorter; every chunk starts on a multiple of `chunk`), each item exactly once, and
    // returns when all have run. A job of one chunk, or a pool of which one thread may run,
    // runs on the caller alone as a single fn(0, n_items, 0). The first exception any thread
    // throws is rethrown here once the job's other chunks have finished.
    void for_chunks(int64_t n_items, int64_t chunk, const ChunkFn& fn);

    // The caller is about to run one step of its work (a forward pass) of `units` (tokens):
    // an adaptive pool may change its width first (runtime/slot_governor.h before_step).
    void begin_step(int64_t units);

    // The caller finished one step of its work (a forward pass): `units` of it (tokens) in
    // `took`. An adaptive pool compares how much it does per second at neighbouring widths
    // over steps of one size (runtime/slot_governor.h); callers that report nothing keep the
    // rule that watches waits alone.
    void end_step(int64_t units, std::chrono::microseconds took);

    // True when this build can create threads at all.
    static bool threads_available();

private:
    // Stops and joins the workers and frees the shared state (destructor, failed start).
    void stop_workers();

    struct Impl;
    Impl* impl_ = nullptr;
    int n_threads_ = 1;
    int max_running_ = 1;
    int start_running_ = 1;
};

}  // namespace smollm
