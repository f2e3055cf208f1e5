// softmax_exp::expf4 (wasm SIMD build): each lane is the libc's expf, bit for bit, over a sweep
// of every 61st float in [-104, 89] and the values around expf's special-case threshold; it
// declines (returns false) exactly when a lane needs expf's special path. Native builds have
// no SIMD twin: nothing to compare.
#include <catch.hpp>

#if defined(__wasm_simd128__)
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "model/softmax_exp.h"

namespace {

float from_bits(uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}
uint32_t bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}
bool special(float x) { return !(std::fabs(x) < 88.0f); }   // |x| >= 88, inf, NaN

}  // namespace

TEST_CASE("expf4 gives expf's bits in every lane, and declines where expf takes its special path", "[model][kv]") {
    std::vector<float> xs;
    // Negative floats from -0 down to -104 and positive ones up to 89: bit patterns, every 61st.
    for (uint32_t u = bits(-0.0f); u <= bits(-104.0f); u += 61) xs.push_back(from_bits(u));
    for (uint32_t u = 0; u <= bits(89.0f); u += 61) xs.push_back(from_bits(u));
    for (uint32_t u = bits(88.0f) - 64; u < bits(88.0f) + 64; ++u) {
        xs.push_back(from_bits(u));
        xs.push_back(-from_bits(u));
    }
    for (float x : {0.0f, -0.0f, 1.0f, -1.0f, 87.99f, -87.99f, -87.5f, -100.0f, std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(),
                    std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::denorm_min()})
        xs.push_back(x);
    while (xs.size() % 4 != 0) xs.push_back(0.5f);
    size_t compared = 0, declined = 0, mismatches = 0;
    for (size_t i = 0; i < xs.size(); i += 4) {
        v128_t e;
        const bool ok = smollm::softmax_exp::expf4(wasm_v128_load(&xs[i]), &e);
        const bool any_special = special(xs[i]) || special(xs[i + 1]) || special(xs[i + 2]) || special(xs[i + 3]);
        REQUIRE(ok == !any_special);
        if (!ok) {
            ++declined;
            continue;
        }
        float got[4];
        wasm_v128_store(got, e);
        for (int l = 0; l < 4; ++l) {
            ++compared;
            if (bits(got[l]) != bits(std::exp(xs[i + static_cast<size_t>(l)]))) {
                if (++mismatches <= 5) FAIL_CHECK("expf4(" << xs[i + static_cast<size_t>(l)] << ") = " << got[l] << ", expf gives " << std::exp(xs[i + static_cast<size_t>(l)]));
            }
        }
    }
    CHECK(mismatches == 0);
    CHECK(compared > 2'000'000);
    CHECK(declined > 0);
}
#endif
