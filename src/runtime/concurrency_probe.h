// How many of a thread pool's threads really run at once, measured when the pool starts
// (runtime/thread_pool.cpp runs the probe; this is the reading of its samples).
//
// Why: the pool runs no more threads at once than the platform reports cores, and that report
// can be wrong. WebKitGTK reports 4 cores on a 2-core machine (navigator.hardwareConcurrency),
// a container may be given 2 CPUs' time on a 16-CPU host, browsers round the count. There four
// threads take turns on two cores, and every turn holds a chunk, so a job, back for a time
// slice: tiny-py in WebKit at 4 threads kept 77-93% of 2 threads' speed, prefill (50 ms, shorter
// than the slot governor's 100 ms window) the worst.
//
// The probe: every thread the pool may run at once spins, the workers counting their loops and
// the caller sampling their counts every kSample. In one sample a worker ran if it made at least
// kRunningShare of the best progress any worker made in any sample (a slower core, or an SMT
// core shared with another spinning thread, still counts as running: only a thread without a
// core makes next to no progress). The caller counts itself in every sample it kept, and drops
// the samples it was descheduled through (a gap between its clock readings longer than the
// limit). The answer is the median over the
// kept samples: a time slice is milliseconds, a sample a fraction of one, so most samples catch
// no switch. The pool starts its jobs on that many threads, at least kKeepAtLeast, and its slot
// governor tries more after a few seconds (runtime/slot_governor.h): a probe that ran while
// something else briefly held the cores (a browser compiling the module on its own threads
// does, in WebKit: in a third of the samples only the caller ran) costs seconds, not the
// load's lifetime.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

namespace smollm {

struct ConcurrencyProbe {
    using Micros = std::chrono::microseconds;

    // Pools that may run this many threads at once are probed (the over-reports seen are 4 for
    // 2), and a probe never lowers them below kKeepAtLeast.
    static constexpr int kProbeFrom = 3;
    static constexpr int kKeepAtLeast = 2;

    static constexpr Micros kSample{250};
    // Sampling lasts kDuration (a few time slices), longer while fewer than kEnoughSamples are
    // kept, up to kMaxDuration.
    static constexpr Micros kDuration{12'000};
    static constexpr Micros kMaxDuration{40'000};
    static constexpr size_t kEnoughSamples = 16;
    // For the workers to start spinning. Long: where threads start late (a wasm pthread's start
    // is proxied through the main thread; under Node on a 16-core machine 8- and 16-thread
    // pools were measured at 2 and 3 at once with 20 ms), a worker that has not checked in
    // counts as not running; a worker that merely waits for a core checks in within a few
    // time slices, and sampling then tells how many run at once.
    static constexpr Micros kCheckInTimeout{250'000};
    static constexpr double kRunningShare = 0.25;
    static constexpr size_t kMinSamples = 8;          // fewer kept: no answer (the pool starts low)

    // A sample lasts kSample, or ten of the clock's steps where the clock is coarser (a browser
    // may coarsen performance.now() to 20 us, 100 us or more), and is dropped when two of the
    // caller's clock readings in it were further apart than its drop limit: then the caller
    // lost its core for a while, and other threads may have run on it in its place.
    static Micros sample_length(Micros clock_step) { return std::max(kSample, 10 * clock_step); }
    static Micros drop_limit(Micros clock_step) { return std::max(sample_length(clock_step) / 4, 3 * clock_step); }

    // progress[s][w]: how far worker w got in kept sample s, per microsecond. Returns how many
    // threads (the caller included) ran at once: the median over the samples, 0 when there are
    // fewer than kMinSamples.
    static int running_at_once(const std::vector<std::vector<double>>& progress) {
        if (progress.size() < kMinSamples) return 0;
        double best = 0;
        for (const auto& sample : progress) {
            for (const double p : sample) best = std::max(best, p);
        }
        std::vector<int> running;
        running.reserve(progress.size());
        for (const auto& sample : progress) {
            int n = 1;   // the caller took this sample, so it ran
            for (const double p : sample) n += best > 0 && p >= kRunningShare * best;
            running.push_back(n);
        }
        std::nth_element(running.begin(), running.begin() + running.size() / 2, running.end());
        return running[running.size() / 2];
    }
};

}  // namespace smollm
