// How a job runs. The caller publishes the job (function, chunk size) and then one 64-bit
// claim word holding the job's generation, the next unclaimed item and the end. Every
// running thread, the caller too, claims a chunk by compare-and-swap on that word, runs it,
// and adds its items to a done counter; the caller returns once done reaches the end. A
// worker that wakes late finds nothing left to claim, and the caller never waits for it.
//
// Running at once: a worker claims chunks (or spins for the next job) only while it holds one of
// max_running - 1 run slots, the caller being the last runner. A worker gives its slot back
// when it goes to sleep, a new job wakes only as many sleepers as there are free slots, and a
// worker that wakes without finding a free slot sleeps again. With more threads than cores,
// the extra threads used to take turns on the cores with the ones holding chunks: each turn
// held a chunk (and so the job) back, and every job paid wake-ups for threads that could not
// run. Decode with 4 threads on 2 cores kept 60% of 2 threads' speed in Firefox and 70-90% in
// Chromium (tiny-py); with the slots, 96-98% (bench/contention/NOTES.md).
//
// Fewer slots while workers keep losing their cores: the caller times each job (its own
// chunks, then its wait for the chunks others hold) and runtime/slot_governor.h lowers the
// slots a job may fill when the waits show workers descheduled while holding chunks, and tries
// one more later. The slots belong to workers 1..allowed by number: a worker numbered above
// gives its slot back and waits on a futex of its own until the governor allows it again.
// Where the caller reports its steps (end_step: the engine's forward passes), the governor also
// tries a neighbouring width now and then and keeps whichever did more tokens per second: a
// busy neighbour's cost does not always show as waits (tiny-py's decode beside a spinner: 36%
// of its quiet speed at 2 threads in Firefox, 46% with the trials over 1024 tokens). Steps
// short enough that a lost time slice weighs (tiny-py's decode) start with a duel instead,
// single steps at two widths in turn, so generations shorter than the first trial adapt too;
// the caller announces each step (begin_step) so that a duel or trial on steps of one size
// never runs a step of another size at its width.
//
// Fewer slots from the start where the platform over-reports its cores: with 3 or more allowed
// at once, the pool measures as it starts how many of its threads really run at once (one job
// of ~12 ms in which all spin, runtime/concurrency_probe.h) and starts the governor there.
// WebKitGTK reports 4 cores on 2; the governor alone needed a window (100 ms) to see it, and
// tiny-py at 4 threads kept 77-93% of 2 threads' speed in WebKit, 100% / 99% with the probe.
//
// Waiting: a forward pass issues jobs microseconds apart, so a waiting thread first spins for
// a short while (no yield: on a busy machine a yielding thread only keeps a core busy), then
// blocks on a futex (emscripten_futex_wait, i.e. Atomics.wait, in wasm; the futex system call
// on Linux). Workers are woken all at once when a job starts, and only when some are asleep,
// so a busy pool makes no system calls. A worker that has run out of chunks while the job is still
// open stops spinning once no chunk has finished for about two of its own chunk times: the
// chunks still out are held by threads that have lost their core (more threads than cores, or
// a busy neighbour), and a spinning worker would keep one of them from getting it back. With
// jobs of tiny-py's size (~150 us), 4 threads on 2 quiet cores went from 70% to 91% of 2
// threads with that rule, 2 threads unchanged (bench/contention/NOTES.md). Spinning across the
// gap between jobs is kept, since there the one thread with work (the caller) is running. The caller waits the same way for the chunks still
// running when it finds nothing more to claim. (Emscripten 3.1.6's std::atomic::wait polls
// with sleeps rather than waiting on a futex, and its std::this_thread::yield does not yield
// at all, which made the old pool's "yield" phases pure spinning in wasm.)
//
// The caller may block too: in the browser the engine runs in a Web Worker (js/src/engine/
// web-worker.js), where Atomics.wait is allowed; on the browser's main thread Emscripten's
// futex wait falls back to spinning, which is still correct.
#include "runtime/thread_pool.h"
#include "runtime/concurrency_probe.h"
#include "runtime/slot_governor.h"
#include "runtime/stall_watch.h"

#include <algorithm>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#ifndef SMOLLM_NO_THREADS
#include <atomic>
#include <chrono>
#include <climits>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>
#if defined(__EMSCRIPTEN__)
#include <emscripten/threading.h>

#include <cmath>
#elif defined(__linux__)
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#endif

namespace smollm {

#ifdef SMOLLM_NO_THREADS

struct ThreadPool::Impl {};

ThreadPool::ThreadPool(int, int, bool, bool) : n_threads_(1), max_running_(1), start_running_(1) {}
ThreadPool::~ThreadPool() { stop_workers(); }

void ThreadPool::stop_workers() {
    delete impl_;
    impl_ = nullptr;
}

void ThreadPool::for_chunks(int64_t n_items, int64_t, const ChunkFn& fn) {
    if (n_items > 0) fn(0, n_items, 0);
}

void ThreadPool::begin_step(int64_t) {}
void ThreadPool::end_step(int64_t, std::chrono::microseconds) {}

bool ThreadPool::threads_available() { return false; }

int ThreadPool::platform_cores() { return 1; }

#else

namespace {

// The platform seam: block while *word == seen (callers re-check: a wait may return early),
// and wake every thread blocked on word. On Linux the futex is called directly: libstdc++'s
// std::atomic::wait would first yield a few times, and on a loaded machine each yield can
// hand the core to another process for a whole time slice.
static_assert(sizeof(std::atomic<uint32_t>) == 4, "the futex word is a plain 32-bit cell");

void futex_wait(std::atomic<uint32_t>& word, uint32_t seen) {
#if defined(__EMSCRIPTEN__)
    emscripten_futex_wait(reinterpret_cast<volatile void*>(&word), seen, INFINITY);
#elif defined(__linux__)
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, seen, nullptr, nullptr, 0);
#else
    word.wait(seen, std::memory_order_acquire);
#endif
}

void futex_wake(std::atomic<uint32_t>& word, int count) {
#if defined(__EMSCRIPTEN__)
    emscripten_futex_wake(reinterpret_cast<volatile void*>(&word), count);
#elif defined(__linux__)
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0);
#else
    if (count == 1) word.notify_one();
    else word.notify_all();
#endif
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// How long a thread spins before it blocks. Every block costs a wake-up later, which on a
// loaded machine is a trip through the scheduler, so workers spin across the gaps between
// the jobs of one forward pass (the caller's serial work between them takes microseconds)
// and block between tokens. The caller, once nothing is left to claim, waits for chunks
// that are already running: about two of its own chunk times if the workers run, but not
// much longer, since a worker that lost its core needs this one to finish.
using Micros = std::chrono::microseconds;
constexpr Micros kWorkerSpin{200};
constexpr Micros kCallerSpinMin{20};
constexpr Micros kCallerSpinMax{500};

// How long a waiter spins without seeing any chunk finish, from the time of one chunk.
constexpr Micros stall_limit(Micros per_chunk) { return std::clamp(2 * per_chunk, kCallerSpinMin, kCallerSpinMax); }

// Spins until ready(), `limit` has passed or give_up(now) says so; reading the clock costs
// more than a check (in wasm it is a call out to JS), so it is read every 64 checks.
template <class Ready, class GiveUp>
bool spin_until(const Ready& ready, Micros limit, const GiveUp& give_up) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        for (int i = 0; i < 64; ++i) {
            if (ready()) return true;
            cpu_relax();
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline || give_up(now)) return ready();
    }
}
template <class Ready>
bool spin_until(const Ready& ready, Micros limit) {
    return spin_until(ready, limit, [](std::chrono::steady_clock::time_point) { return false; });
}


// The claim word: generation (24 bits) | next item (20 bits) | end (20 bits). Jobs with more
// items run as several consecutive jobs. The generation makes a stale compare-and-swap fail
// (a thread that read the word, then slept through 2^24 jobs, is the only way around it).
constexpr int kItemBits = 20;
constexpr uint64_t kItemMask = (uint64_t{1} << kItemBits) - 1;
constexpr int64_t kMaxJobItems = static_cast<int64_t>(kItemMask);

constexpr uint64_t pack(uint64_t generation, uint64_t next, uint64_t end) {
    return (generation << (2 * kItemBits)) | (next << kItemBits) | end;
}
constexpr uint64_t generation_of(uint64_t w) { return w >> (2 * kItemBits); }
constexpr uint64_t next_of(uint64_t w) { return (w >> kItemBits) & kItemMask; }
constexpr uint64_t end_of(uint64_t w) { return w & kItemMask; }

}  // namespace

struct ThreadPool::Impl {
    std::vector<std::thread> workers;

    std::atomic<uint64_t> claim{pack(0, 0, 0)};
    // The job being claimed. Written only when no chunk of the previous job is left to claim
    // and all have finished; a claim that succeeds proves the reads of these were current
    // (see claim_and_run).
    std::atomic<const ChunkFn*> job{nullptr};
    std::atomic<int64_t> chunk{1};
    std::atomic<int64_t> base{0};   // item offset of this job within the caller's range

    std::atomic<uint32_t> done{0};        // items finished in the current job
    std::atomic<uint32_t> wake{0};        // bumped when a job starts; workers wait on it
    std::atomic<int> sleeping_workers{0};
    std::atomic<int> running_workers{0};   // workers holding a run slot
    std::atomic<int> allowed_slots{0};     // of the max_running - 1, how many jobs may fill now
    std::atomic<uint32_t> reserve{0};      // bumped when allowed_slots grows; workers above it wait on it
    SlotGovernor governor{0};              // the caller's alone
    bool adaptive = true;                  // consult the governor
    std::atomic<bool> caller_sleeping{false};
    std::atomic<bool> stopping{false};

    // The first exception a thread threw in the current job; rethrown by for_chunks().
    std::exception_ptr error;
    std::mutex error_mutex;

    // Claims and runs chunks of the current job until none is left; returns how many this
    // thread ran.
    int claim_and_run(int thread) {
        int ran = 0;
        uint64_t w = claim.load(std::memory_order_acquire);
        for (;;) {
            const uint64_t next = next_of(w), end = end_of(w);
            if (next >= end) return ran;
            // Read before the claim: if the compare-and-swap below succeeds the job was still
            // open, so the caller had not yet replaced these (it does so only after the last
            // item was claimed, and that claim comes after ours in the word's order).
            const ChunkFn* fn = job.load(std::memory_order_relaxed);
            const int64_t step = chunk.load(std::memory_order_relaxed);
            const int64_t offset = base.load(std::memory_order_relaxed);
            const uint64_t stop = std::min<uint64_t>(end, next + static_cast<uint64_t>(step));
            if (!claim.compare_exchange_weak(w, pack(generation_of(w), stop, end), std::memory_order_acq_rel,
                                             std::memory_order_acquire)) {
                continue;
            }
            try {
                (*fn)(offset + static_cast<int64_t>(next), offset + static_cast<int64_t>(stop), thread);
            } catch (...) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (!error) error = std::current_exception();
            }
            ++ran;
            const uint32_t count = static_cast<uint32_t>(stop - next);
            if (done.fetch_add(count, std::memory_order_seq_cst) + count == end &&
                caller_sleeping.load(std::memory_order_seq_cst)) {
                futex_wake(done, 1);   // only the caller waits on done
            }
            w = claim.load(std::memory_order_acquire);
        }
    }

    void worker_main(int index) {
        uint32_t seen = 0;
        Micros per_chunk = kCallerSpinMin;   // this worker's last chunk time
        bool slot = false;                   // holds a run slot
        for (;;) {
            if (index > allowed_slots.load(std::memory_order_seq_cst)) {
                wait_in_reserve(index, slot);
                if (stopping.load(std::memory_order_acquire)) return;
                seen = wake.load(std::memory_order_acquire);   // only jobs from now on
                continue;
            }
            auto started = [&] { return wake.load(std::memory_order_acquire) != seen; };
            StallWatch watch(done.load(std::memory_order_relaxed), std::chrono::steady_clock::now(),
                             stall_limit(per_chunk));
            auto stalled = [&](std::chrono::steady_clock::time_point now) {
                // Relaxed reads: a wrong answer only ends the spin early or late, and the
                // futex wait below re-checks `wake` itself.
                return watch.stalled(done.load(std::memory_order_relaxed),
                                     static_cast<uint32_t>(end_of(claim.load(std::memory_order_relaxed))), now);
            };
            if (!slot) slot = take_slot();
            if (!slot || !spin_until(started, kWorkerSpin, stalled)) {
                if (slot) {
                    running_workers.fetch_sub(1, std::memory_order_seq_cst);
                    slot = false;
                }
                // Announce the sleep before the last check, so a job published in between
                // either is seen here or sees a sleeper to wake (both sides are seq_cst).
                sleeping_workers.fetch_add(1, std::memory_order_seq_cst);
                while (wake.load(std::memory_order_seq_cst) == seen) futex_wait(wake, seen);
                sleeping_workers.fetch_sub(1, std::memory_order_relaxed);
            }
            seen = wake.load(std::memory_order_acquire);
            if (stopping.load(std::memory_order_acquire)) return;
            if (!slot && !(slot = take_slot())) continue;   // all slots taken: sleep again
            const auto start = std::chrono::steady_clock::now();
            if (const int ran = claim_and_run(index)) {
                per_chunk = std::chrono::duration_cast<Micros>(std::chrono::steady_clock::now() - start) / ran;
            }
        }
    }

    // Workers 1..allowed_slots are the ones that run jobs; one numbered above waits here until
    // the governor allows more (or the pool stops). Fixed numbers keep the same threads, with
    // their caches and scratch, running job after job: when every worker slept on one futex,
    // each token's wake-up went to the worker asleep longest (a FIFO in JavaScriptCore), so
    // 4 threads on 2 cores rotated through 3 cold workers and ran 5-10% slower than 2 threads
    // in WebKit with the same 2 at once.
    void wait_in_reserve(int index, bool& slot) {
        if (slot) {
            running_workers.fetch_sub(1, std::memory_order_seq_cst);
            slot = false;
        }
        for (;;) {
            const uint32_t seen_reserve = reserve.load(std::memory_order_seq_cst);
            if (stopping.load(std::memory_order_acquire) || index <= allowed_slots.load(std::memory_order_seq_cst)) return;
            futex_wait(reserve, seen_reserve);
        }
    }

    void set_allowed_slots(int n) {
        const int before = allowed_slots.exchange(n, std::memory_order_seq_cst);
        if (n > before) wake_reserve();
    }

    void wake_reserve() {
        reserve.fetch_add(1, std::memory_order_seq_cst);
        futex_wake(reserve, INT_MAX);
    }

    bool take_slot() {
        int n = running_workers.load(std::memory_order_relaxed);
        while (n < allowed_slots.load(std::memory_order_relaxed)) {
            if (running_workers.compare_exchange_weak(n, n + 1, std::memory_order_seq_cst)) return true;
        }
        return false;
    }

    // Wakes sleepers for a new job, as many as there are free run slots (all when stopping).
    // A sleeper this misses (its slot was given back just as the job started) only sits this
    // job out: the caller runs every chunk nobody else claims.
    void wake_workers() {
        wake.fetch_add(1, std::memory_order_seq_cst);
        if (sleeping_workers.load(std::memory_order_seq_cst) == 0) return;
        const int free_slots = stopping.load(std::memory_order_relaxed)
                                   ? INT_MAX
                                   : allowed_slots.load(std::memory_order_relaxed) -
                                         running_workers.load(std::memory_order_seq_cst);
        if (free_slots > 0) futex_wake(wake, free_slots);
    }

    // How many of `runners` threads (the caller one of them) run at once, or 0 when the
    // samples could not tell: one job in which every runner spins, the caller sampling the
    // workers' loop counts (runtime/concurrency_probe.h says how they are read). Workers that
    // never get a core never check in and count as not running.
    int probe_running_at_once(int runners, int n_threads) {
        using Clock = std::chrono::steady_clock;
        using Probe = ConcurrencyProbe;
        struct alignas(64) Loops {
            std::atomic<uint64_t> n{0};
        };
        std::vector<Loops> loops(static_cast<size_t>(n_threads));
        std::atomic<bool> stop{false};
        bool sampled = false;
        std::vector<std::vector<double>> kept;
        kept.reserve(static_cast<size_t>(Probe::kMaxDuration / Probe::kSample) + 1);
        std::vector<uint64_t> last(static_cast<size_t>(n_threads)), now_loops(last.size());
        auto read_loops = [&](std::vector<uint64_t>& into) {
            for (size_t t = 1; t < into.size(); ++t) into[t] = loops[t].n.load(std::memory_order_relaxed);
        };

        auto sample = [&] {
            auto checked_in = [&] {
                int n = 0;
                for (size_t t = 1; t < loops.size(); ++t) n += loops[t].n.load(std::memory_order_relaxed) > 0;
                return n >= runners - 1;
            };
            spin_until(checked_in, Probe::kCheckInTimeout);
            // The clock's step (browsers coarsen performance.now()): the least of a few, since
            // the caller may lose its core between two readings.
            auto step = Clock::duration::max();
            for (int i = 0; i < 4; ++i) {
                const auto t0 = Clock::now();
                auto t1 = t0;
                while ((t1 = Clock::now()) == t0) cpu_relax();
                if (i > 0) step = std::min(step, t1 - t0);   // the first wait starts mid-step
            }
            const auto clock_step = std::chrono::duration_cast<Micros>(step);
            const auto limit = Probe::drop_limit(clock_step), length = Probe::sample_length(clock_step);

            read_loops(last);
            auto sample_start = Clock::now(), previous = sample_start;
            const auto end = sample_start + Probe::kDuration, last_end = sample_start + Probe::kMaxDuration;
            bool gap = false;
            for (;;) {
                const auto now = Clock::now();
                gap = gap || now - previous > limit;
                previous = now;
                const auto span = std::chrono::duration_cast<std::chrono::duration<double, std::micro>>(now - sample_start);
                if (span >= length) {
                    read_loops(now_loops);
                    if (!gap) {
                        std::vector<double> progress(now_loops.size() - 1);
                        for (size_t t = 1; t < now_loops.size(); ++t) {
                            progress[t - 1] = static_cast<double>(now_loops[t] - last[t]) / span.count();
                        }
                        kept.push_back(std::move(progress));
                    }
                    last.swap(now_loops);
                    sample_start = now;
                    gap = false;
                    if (now >= last_end || (now >= end && kept.size() >= Probe::kEnoughSamples)) break;
                }
                cpu_relax();
            }
        };

        const ChunkFn fn = [&](int64_t, int64_t, int thread) {
            if (thread != 0) {
                auto& n = loops[static_cast<size_t>(thread)].n;
                for (uint64_t i = 1; !stop.load(std::memory_order_relaxed); ++i) {
                    n.store(i, std::memory_order_relaxed);
                    cpu_relax();
                }
                return;
            }
            if (sampled) return;   // the caller may claim a chunk no worker took
            sampled = true;
            try {
                sample();
            } catch (...) {   // an allocation failure: no answer, and the workers must stop
                kept.clear();
            }
            stop.store(true, std::memory_order_relaxed);
        };
        run_job(0, runners, 1, fn);
        return ConcurrencyProbe::running_at_once(kept);
    }

    // One job of at most kMaxJobItems items.
    void run_job(int64_t offset, int64_t n_items, int64_t step, const ChunkFn& fn) {
        job.store(&fn, std::memory_order_relaxed);
        chunk.store(step, std::memory_order_relaxed);
        base.store(offset, std::memory_order_relaxed);
        done.store(0, std::memory_order_relaxed);
        const uint64_t generation = generation_of(claim.load(std::memory_order_relaxed)) + 1;
        claim.store(pack(generation, 0, static_cast<uint64_t>(n_items)), std::memory_order_release);
        wake_workers();

        const auto start = std::chrono::steady_clock::now();
        const int ran = claim_and_run(0);
        const auto claimed = std::chrono::steady_clock::now();
        const auto work = std::chrono::duration_cast<Micros>(claimed - start);
        const auto per_chunk = work / std::max(ran, 1);

        const uint32_t total = static_cast<uint32_t>(n_items);
        auto finished = [&] { return done.load(std::memory_order_acquire) == total; };
        if (!spin_until(finished, stall_limit(per_chunk))) {
            caller_sleeping.store(true, std::memory_order_seq_cst);
            for (uint32_t d; (d = done.load(std::memory_order_seq_cst)) != total;) futex_wait(done, d);
            caller_sleeping.store(false, std::memory_order_relaxed);
        }
        if (!adaptive) return;
        const auto end = std::chrono::steady_clock::now();
        set_allowed_slots(governor.after_job(work, std::chrono::duration_cast<Micros>(end - claimed), end));
    }
};

ThreadPool::ThreadPool(int n_threads, int max_running, bool adaptive, bool measure) {
    n_threads_ = n_threads < 1 ? 1 : n_threads;
    if (max_running <= 0) max_running = platform_cores();
    max_running_ = max_running <= 0 ? n_threads_ : std::min(max_running, n_threads_);
    impl_ = new Impl();
    impl_->allowed_slots.store(max_running_ - 1, std::memory_order_relaxed);
    impl_->governor = SlotGovernor(max_running_ - 1);
    impl_->adaptive = adaptive;
    impl_->workers.reserve(static_cast<size_t>(n_threads_ - 1));
    try {
        for (int i = 1; i < n_threads_; ++i) {
            impl_->workers.emplace_back([this, i] { impl_->worker_main(i); });
        }
    } catch (const std::system_error& e) {
        // In wasm a thread can only start on a Worker created before the module's thread
        // blocked (the pthread pool is built with PTHREAD_POOL_SIZE_STRICT=2, so an exhausted
        // pool fails here instead of deadlocking a job). Stop what did start, then explain.
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
    start_running_ = max_running_;
    if (measure && adaptive && max_running_ >= ConcurrencyProbe::kProbeFrom) {
        // No answer (the caller itself kept losing its core, so fewer than kMinSamples clean
        // samples in kMaxDuration) means a machine busier than its cores: start low too.
        int measured = max_running_;
        try {
            measured = impl_->probe_running_at_once(max_running_, n_threads_);
            if (measured == 0) measured = ConcurrencyProbe::kKeepAtLeast;
        } catch (const std::bad_alloc&) {   // the workers are running: no exception may leave here
        }
        if (measured < max_running_) {
            // Jobs start on what was measured; the governor tries more later, so a probe that
            // ran while something else briefly held cores (a browser compiling the module on
            // its own threads) costs a few seconds, not the load's lifetime.
            start_running_ = std::max(measured, ConcurrencyProbe::kKeepAtLeast);
            impl_->set_allowed_slots(start_running_ - 1);
            impl_->governor = SlotGovernor(max_running_ - 1, start_running_ - 1);
        }
    }
}

void ThreadPool::stop_workers() {
    impl_->stopping.store(true, std::memory_order_release);
    impl_->wake_workers();
    impl_->wake_reserve();
    for (auto& w : impl_->workers) w.join();
    delete impl_;
    impl_ = nullptr;
}

ThreadPool::~ThreadPool() { stop_workers(); }

void ThreadPool::for_chunks(int64_t n_items, int64_t chunk, const ChunkFn& fn) {
    if (n_items <= 0) return;
    chunk = std::clamp<int64_t>(chunk, 1, kMaxJobItems);
    if (max_running_ == 1 || n_items <= chunk) {
        fn(0, n_items, 0);
        return;
    }
    // Sub-jobs keep chunk boundaries on multiples of `chunk`.
    const int64_t per_job = kMaxJobItems / chunk * chunk;
    for (int64_t offset = 0; offset < n_items; offset += per_job) {
        impl_->run_job(offset, std::min(per_job, n_items - offset), chunk, fn);
        if (impl_->error) {
            std::exception_ptr e = impl_->error;
            impl_->error = nullptr;
            std::rethrow_exception(e);
        }
    }
}

void ThreadPool::begin_step(int64_t units) {
    if (max_running_ == 1 || !impl_->adaptive) return;
    impl_->set_allowed_slots(impl_->governor.before_step(units));
}

void ThreadPool::end_step(int64_t units, std::chrono::microseconds took) {
    if (max_running_ == 1 || !impl_->adaptive) return;
    impl_->set_allowed_slots(impl_->governor.after_step(units, took));
}

bool ThreadPool::threads_available() { return true; }

int ThreadPool::platform_cores() {
#if defined(__linux__) && !defined(__EMSCRIPTEN__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
#endif
    // In wasm: emscripten_num_logical_cores(), i.e. navigator.hardwareConcurrency or os.cpus().
    return static_cast<int>(std::thread::hardware_concurrency());
}

#endif

}  // namespace smollm
