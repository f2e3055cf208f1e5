// Decoding allocates nothing: every buffer is planned at load. Counted by replacing the
// global allocator for this test binary (the count is only read around one eval).
#include <atomic>
#include <cstdlib>
#include <new>

#include <catch.hpp>

#include "model_fixtures.h"

namespace {
std::atomic<int64_t> g_allocations{0};
}

void* operator new(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace smollm;

TEST_CASE("a decode step allocates no memory", "[model][memory]") {
    EngineOptions o;
    o.n_threads = 3;
    o.context_size = 64;
    tools::ModelSpec spec = test::small_spec();
    spec.weight_type = GgmlType::Q8_0;
    auto e = test::load_engine(test::small_model_path("alloc-q8_0", spec), o);
    const std::vector<int32_t> prompt = {1, 2, 3, 4, 5, 6, 7, 8};
    e->eval(prompt.data(), 8, 0, false);
    int32_t token = 9;
    e->eval(&token, 1, 8, false);   // warm-up: first decode
    const int64_t before = g_allocations.load();
    for (int32_t i = 0; i < 10; ++i) {
        token = 10 + i;
        e->eval(&token, 1, 9 + i, false);
    }
    CHECK(g_allocations.load() - before == 0);
}
