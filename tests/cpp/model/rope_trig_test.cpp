// RoPE's sin and cos (model/rope_trig.h's sin_cos) give glibc's bits in every build. Expected values:
// glibc 2.36's sinf / cosf on x86-64 with FMA (what llama.cpp calls on Linux), at angles where
// emscripten's libc (musl) rounds the other way, one per path of the functions: below pi/4,
// below 120 (one multiply-add reduction) and above (the 4/pi bit table). The native build also
// checks every 4099th float against the host's libm where that libm is glibc on x86-64.
#include <cmath>
#include <cstdint>
#include <cstring>

#include <catch.hpp>

#include "model/rope_trig.h"

namespace {

float from_bits(uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

struct SinCos {
    uint32_t sin, cos;
};

uint32_t to_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

struct Expected {
    uint32_t x, cos, sin;
};

// x, glibc's cos(x), glibc's sin(x); musl's differ by one ulp in the marked one.
constexpr Expected kGlibc[] = {
    {0x3f000019, 0x3f60a934, 0x3ef5776f},   // 0.50000149: sin (musl 3ef57770)
    {0x3f00001d, 0x3f60a932, 0x3ef57776},   // sin (musl 3ef57777)
    {0x3f800013, 0x3f0a5120, 0x3f576ab9},   // 1.0000023: cos (musl 3f0a5121)
    {0x3f80003c, 0x3f0a50db, 0x3f576ae5},   // cos (musl 3f0a50dc)
    {0x42000024, 0x3f558ab3, 0x3f0d31ce},   // 32.000137: sin (musl 3f0d31cf)
    {0x42000031, 0x3f5588e8, 0x3f0d3484},   // sin (musl 3f0d3485)
    {0x4600001e, 0x3ea430d5, 0xbf727ac6},   // 8192.029: cos (musl 3ea430d4)
    {0x460000b6, 0x3eea1b75, 0xbf63abfb},   // cos (musl 3eea1b76)
};

SinCos rope_sin_cos(float x) {
    float s, c;
    smollm::rope_trig::sin_cos(x, &s, &c);
    return {to_bits(s), to_bits(c)};
}

}  // namespace

TEST_CASE("rope_trig gives glibc's sin and cos where musl's differ", "[model][rope]") {
    for (const Expected& e : kGlibc) {
        const float x = from_bits(e.x);
        INFO("x = " << x);
        const SinCos got = rope_sin_cos(x);
        CHECK(got.cos == e.cos);
        CHECK(got.sin == e.sin);
        // Both are odd / even functions in glibc too.
        const SinCos negated = rope_sin_cos(-x);
        CHECK(negated.cos == e.cos);
        CHECK(negated.sin == (e.sin ^ 0x80000000u));
    }
    CHECK(rope_sin_cos(0.0f).cos == to_bits(1.0f));
    CHECK(rope_sin_cos(0.0f).sin == to_bits(0.0f));
    float s, c;
    smollm::rope_trig::sin_cos(INFINITY, &s, &c);
    CHECK(std::isnan(s));
    CHECK(std::isnan(c));
    smollm::rope_trig::sin_cos(NAN, &s, &c);
    CHECK(std::isnan(s));
    CHECK(std::isnan(c));
}

#if defined(__GLIBC__) && defined(__x86_64__)
TEST_CASE("rope_trig equals this machine's glibc on a sweep of floats", "[model][rope]") {
    // glibc picks its FMA variant on CPUs with FMA, which every x86-64 CI machine has; a CPU
    // without would compute some last bits differently (then this case says so).
    uint64_t mismatches = 0;
    uint32_t first = 0;
    for (uint64_t u = 0; u < 0x7f800000u; u += 4099) {
        const float x = from_bits(static_cast<uint32_t>(u));
        volatile float v = x;
        const SinCos got = rope_sin_cos(x);
        if (got.sin != to_bits(std::sin(v)) || got.cos != to_bits(std::cos(v))) {
            if (mismatches++ == 0) first = static_cast<uint32_t>(u);
        }
    }
    INFO("first mismatch at float bits " << std::hex << first);
    CHECK(mismatches == 0);
}
#endif
