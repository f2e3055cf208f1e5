// The float side of the SIMD128 and relaxed-SIMD k-quant kernels: a tile's exact integer sums
// per super-block and token, combined in the tile's order (kernels.h): one token in llama.cpp's
// x86 order (kquant_order.h; Q4_K: its repacked GEMV's), larger tiles one total per super-block.
// Both kernel families end in these, so they agree bit for bit with each other and with the
// scalar twins in dot_scalar.cpp. Only included from files guarded by __wasm_simd128__.
#pragma once
#include <cstdint>

#include "quant/fused_madd.h"
#include "quant/simd128_kquant_unpack.h"
#include "quant/simd128_util.h"

namespace smollm::quant::simd128 {

// Q4_K / Q5_K. add() takes a token's integer sums of one super-block: `sums` holds
// kIntegerSums i32x4 (Q5_K one token: lanes 0..3 and 4..7; otherwise four partial totals),
// `mins` the mins times the Q8_K sums as four partial totals.
template <int NT, bool kFiveBit>
class K4TileSums {
public:
    static constexpr bool kLanes = kFiveBit && NT == 1;
    static constexpr int kIntegerSums = kLanes ? 2 : 1;

    void add(int t, const v128_t* sums, v128_t mins, float a_d, float wd, float wdmin) {
        if constexpr (kLanes) {
            lanes_.add(a_d * wd, sums[0], sums[1]);
            lane_mins_ = fused_madd(-a_d * wdmin, static_cast<float>(hsum_i32x4(mins)), lane_mins_);
            return;
        }
        const v128_t totals = hsum2_i32x4(sums[0], mins);
        if constexpr (NT == 1) {
            // Q4_K / Q2_K, one token: the repacked GEMV's two fused sums, as one f64x2 step
            // (lane 0: the total times d, lane 1: the mins' term times dmin).
            const v128_t x = wasm_f32x4_convert_i32x4(wasm_i32x4_shuffle(totals, totals, 0, 2, 0, 2));
            const v128_t dd = wasm_f64x2_make(static_cast<double>(wd * a_d), static_cast<double>(wdmin * a_d));
            repacked_ = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_add(
                wasm_f64x2_mul(dd, wasm_f64x2_promote_low_f32x4(x)), wasm_f64x2_promote_low_f32x4(repacked_)));
            return;
        }
        const float total = static_cast<float>(wasm_i32x4_extract_lane(totals, 0));
        const float min_total = static_cast<float>(wasm_i32x4_extract_lane(totals, 2));
        sum_[t] += (a_d * wd) * total - (a_d * wdmin) * min_total;
    }

    void store(float* y, int64_t y_stride) const {
        if constexpr (kLanes) {
            y[0] = lanes_.fold() + lane_mins_;
        } else if constexpr (NT == 1) {
            y[0] = wasm_f32x4_extract_lane(repacked_, 0) - wasm_f32x4_extract_lane(repacked_, 1);
        } else {
            for (int t = 0; t < NT; ++t) y[t * y_stride] = sum_[t];
        }
    }

private:
    float sum_[NT] = {};                         // batch tiles
    EightLanes lanes_;                           // one token of Q5_K: the lanes
    float lane_mins_ = 0;                        //   and the mins' fused sum
    v128_t repacked_ = wasm_f32x4_splat(0.0f);  // one token of Q4_K / Q2_K: the two sums
};

// Q6_K / IQ4_XS: add() takes a token's integer sums of one super-block as two i32x4, lanes
// 0..3 and 4..7 for one token, two partial totals otherwise, and d = the two scales' product.
template <int NT>
class LaneTileSums {
public:
    // The i32x4 sums a kernel keeps per token: one token, lanes 0..3 and 4..7; else a total.
    static constexpr int kIntegerSums = NT == 1 ? 2 : 1;

    void add(int t, v128_t lo, v128_t hi, float d) {
        if constexpr (NT == 1) {
            lanes_.add(d, lo, hi);
        } else {
            sum_[t] += d * static_cast<float>(hsum_i32x4(wasm_i32x4_add(lo, hi)));
        }
    }

    // The same from kSums i32x4 (one token: 2, the lanes; else 1, the total).
    template <int kSums>
    void add(int t, const v128_t* isum, float d) {
        v128_t hi = wasm_i32x4_splat(0);
        if constexpr (kSums == 2) hi = isum[1];
        add(t, isum[0], hi, d);
    }

    void store(float* y, int64_t y_stride) const {
        if constexpr (NT == 1) {
            y[0] = lanes_.fold();
        } else {
            for (int t = 0; t < NT; ++t) y[t * y_stride] = sum_[t];
        }
    }

private:
    float sum_[NT] = {};
    EightLanes lanes_;
};

// Q6_K's sums for LaneTileSums: `isum` holds the integer sums of the unsigned levels (0..63),
// kSums i32x4 as LaneTileSums takes them; sc_lo / sc_hi the 16 group scales as i16. The levels
// over-count by 32 x scale x Q8_K sum per group of 16, subtracted per lane where llama.cpp's x86
// kernel does it (lane k: groups 2k and 2k+1), or from the total.
template <int NT, int kSums>
inline void add_q6_k(LaneTileSums<NT>& sums, int t, const v128_t* isum, v128_t sc_lo, v128_t sc_hi,
                     const int16_t* bsums, float d) {
    const v128_t offset03 = wasm_i32x4_shl(wasm_i32x4_dot_i16x8(sc_lo, wasm_v128_load(bsums)), 5);
    const v128_t offset47 = wasm_i32x4_shl(wasm_i32x4_dot_i16x8(sc_hi, wasm_v128_load(bsums + 8)), 5);
    v128_t hi = wasm_i32x4_splat(0);
    if constexpr (kSums == 2) hi = isum[1];
    sums.add(t, wasm_i32x4_sub(isum[0], offset03), wasm_i32x4_sub(hi, offset47), d);
}

}  // namespace smollm::quant::simd128
