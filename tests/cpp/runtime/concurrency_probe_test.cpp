// How the pool's start-up probe reads its samples (runtime/concurrency_probe.h): made-up
// progress figures, so the reading is tested apart from the machine's scheduler.
#include <vector>

#include <catch.hpp>

#include "runtime/concurrency_probe.h"

using smollm::ConcurrencyProbe;
using Samples = std::vector<std::vector<double>>;

namespace {

// 48 samples of `workers` workers; progress(s, w) gives each figure.
template <class Fn>
Samples samples(int workers, const Fn& progress) {
    Samples out(48, std::vector<double>(static_cast<size_t>(workers)));
    for (size_t s = 0; s < out.size(); ++s) {
        for (int w = 0; w < workers; ++w) out[s][static_cast<size_t>(w)] = progress(static_cast<int>(s), w);
    }
    return out;
}

}  // namespace

TEST_CASE("every worker running in every sample: all threads run at once", "[runtime]") {
    CHECK(ConcurrencyProbe::running_at_once(samples(3, [](int, int) { return 40.0; })) == 4);
}

TEST_CASE("three workers taking turns on the one core the caller leaves: two at once", "[runtime]") {
    // A time slice is 12 samples (3 ms); the worker holding the core changes each slice.
    CHECK(ConcurrencyProbe::running_at_once(samples(3, [](int s, int w) { return (s / 12) % 3 == w ? 40.0 : 0.0; })) == 2);
}

TEST_CASE("a worker on a slower core or a shared SMT core still counts as running", "[runtime]") {
    // Worker 0 runs at 40% of the others' speed throughout.
    CHECK(ConcurrencyProbe::running_at_once(samples(3, [](int, int w) { return w == 0 ? 16.0 : 40.0; })) == 4);
}

TEST_CASE("samples that catch a switch between two workers do not carry the median", "[runtime]") {
    // Worker 0 and 1 share a core; in a third of the samples the switch falls inside the
    // sample and both show half their speed; worker 2 never got a core at all.
    const Samples s = samples(3, [](int s, int w) {
        if (w == 2) return 0.0;
        if (s % 3 == 0) return 20.0;
        return (s / 3) % 2 == w ? 40.0 : 0.0;
    });
    CHECK(ConcurrencyProbe::running_at_once(s) == 2);
}

TEST_CASE("a worker below a quarter of the best progress did not run in that sample", "[runtime]") {
    CHECK(ConcurrencyProbe::running_at_once(samples(1, [](int s, int) { return s % 4 == 0 ? 40.0 : 9.0; })) == 1);
    CHECK(ConcurrencyProbe::running_at_once(samples(1, [](int s, int) { return s % 4 == 0 ? 40.0 : 10.0; })) == 2);
}

TEST_CASE("too few samples kept give no answer", "[runtime]") {
    Samples few(ConcurrencyProbe::kMinSamples - 1, std::vector<double>(3, 40.0));
    CHECK(ConcurrencyProbe::running_at_once(few) == 0);
    few.push_back(std::vector<double>(3, 40.0));
    CHECK(ConcurrencyProbe::running_at_once(few) == 4);
}

TEST_CASE("samples and their drop limit follow a coarse clock", "[runtime]") {
    using Micros = ConcurrencyProbe::Micros;
    CHECK(ConcurrencyProbe::sample_length(Micros{5}) == ConcurrencyProbe::kSample);
    CHECK(ConcurrencyProbe::drop_limit(Micros{5}) == ConcurrencyProbe::kSample / 4);
    CHECK(ConcurrencyProbe::sample_length(Micros{100}) == Micros{1000});
    CHECK(ConcurrencyProbe::drop_limit(Micros{100}) == Micros{300});
}
