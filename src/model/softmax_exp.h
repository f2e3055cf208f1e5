// exp() of four softmax arguments at once in the wasm SIMD build, bit for bit what the build's
// own expf returns: Emscripten's libc is musl, whose expf is Arm's optimized-routines algorithm
// (x * 32 / ln 2 split into an integer k and a remainder r in double, 2^(k/32) from a 32-entry
// table, a cubic in r, one rounding to f32). The same double operations in the same order, two
// lanes per f64x2, read musl's own table and coefficients (__exp2f_data, linked from the libc
// the scalar expf comes from), so the attention kernels' scalar and SIMD twins keep giving the
// same bits. Arguments where expf takes a special path (|x| >= 88, inf, NaN) are left to the
// caller's scalar std::exp.
//
// Why: attention over a long cache takes one exp per key and head (3.1 million per token at
// 4,096 cached tokens of the SmolLM2-1.7B shape), and the scalar calls were ~10% of it.
#pragma once
#if defined(__wasm_simd128__)
#include <cstdint>
#include <wasm_simd128.h>

// musl's data for expf / exp2f / powf (src/math/exp2f_data.h: the same layout).
struct SmollmMuslExp2fData {
    uint64_t tab[32];
    double shift_scaled;
    double poly[3];
    double shift;
    double invln2_scaled;
    double poly_scaled[3];
};
extern "C" const SmollmMuslExp2fData __exp2f_data;   // NOLINT: musl's name

namespace smollm::softmax_exp {

// True, with e[i] = expf(x[i]) in each lane, when no lane needs expf's special cases; false
// (e untouched) when one does.
inline bool expf4(v128_t x, v128_t* e) {
    constexpr int32_t kTop12Of88 = 0x42b;   // top 12 bits of 88.0f: |x| >= 88, inf and NaN from here
    const v128_t abstop = wasm_v128_and(wasm_u32x4_shr(x, 20), wasm_i32x4_splat(0x7ff));
    if (wasm_v128_any_true(wasm_i32x4_ge(abstop, wasm_i32x4_splat(kTop12Of88)))) return false;
    const SmollmMuslExp2fData& d = __exp2f_data;
    const v128_t inv_ln2_n = wasm_f64x2_splat(d.invln2_scaled), shift = wasm_f64x2_splat(d.shift);
    const v128_t c0 = wasm_f64x2_splat(d.poly_scaled[0]), c1 = wasm_f64x2_splat(d.poly_scaled[1]);
    const v128_t c2 = wasm_f64x2_splat(d.poly_scaled[2]), one = wasm_f64x2_splat(1.0);
    const auto two = [&](v128_t xd) {
        const v128_t z = wasm_f64x2_mul(inv_ln2_n, xd);
        const v128_t shifted = wasm_f64x2_add(z, shift);   // k / 32 rounded: k in its low bits
        const v128_t r = wasm_f64x2_sub(z, wasm_f64x2_sub(shifted, shift));
        const uint64_t k0 = static_cast<uint64_t>(wasm_i64x2_extract_lane(shifted, 0));
        const uint64_t k1 = static_cast<uint64_t>(wasm_i64x2_extract_lane(shifted, 1));
        const v128_t s = wasm_i64x2_add(wasm_i64x2_make(static_cast<int64_t>(d.tab[k0 % 32]), static_cast<int64_t>(d.tab[k1 % 32])),
                                        wasm_i64x2_shl(shifted, 47));   // 2^(k/32)
        const v128_t zz = wasm_f64x2_add(wasm_f64x2_mul(c0, r), c1);
        const v128_t r2 = wasm_f64x2_mul(r, r);
        v128_t y = wasm_f64x2_add(wasm_f64x2_mul(c2, r), one);
        y = wasm_f64x2_add(wasm_f64x2_mul(zz, r2), y);
        return wasm_f32x4_demote_f64x2_zero(wasm_f64x2_mul(y, s));
    };
    const v128_t lo = two(wasm_f64x2_promote_low_f32x4(x));
    const v128_t hi = two(wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(x, x, 1, 1)));
    *e = wasm_i64x2_shuffle(lo, hi, 0, 2);
    return true;
}

// sum + w[0] + w[1] + w[2] + w[3], added one at a time in that order: the softmax's f32 sum
// as its scalar loop builds it, key by key.
inline float add_in_order(float sum, v128_t w) {
    sum += wasm_f32x4_extract_lane(w, 0);
    sum += wasm_f32x4_extract_lane(w, 1);
    sum += wasm_f32x4_extract_lane(w, 2);
    sum += wasm_f32x4_extract_lane(w, 3);
    return sum;
}

}  // namespace smollm::softmax_exp
#endif
