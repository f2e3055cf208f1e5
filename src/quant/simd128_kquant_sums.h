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

// Q4_K / Q5_K (and Q2_K). add() takes a token's integer sums of one super-block: `sums` holds
// kIntegerSums i32x4 (Q5_K: lanes 0..3 and 4..7; Q4_K in a batch, kPairs: one per 64-element
// pair of sub-blocks, four partial totals each; otherwise four partial totals), `mins03` /
// `mins47` the mins times the Q8_K sums of sub-blocks 0..3 / 4..7 (Q2_K: of its 16 groups,
// any split), one per lane.
//   - Q5_K, every token: llama.cpp's x86 vec_dot's eight lanes;
//   - Q4_K / Q2_K, one token: the repacked GEMV's two fused sums;
//   - Q4_K, a batch tile (kPairsInBatch): the repacked GEMM's, a fused step per pair;
//   - Q2_K, a batch tile, and every type in BatchOrder::Fast: one total per super-block.
// kFast: a batch tile in BatchOrder::Fast (quant.h), one total per super-block for every type.
template <int NT, bool kFiveBit, bool kPairsInBatch = !kFiveBit, bool kFast = false>
class K4TileSums {
public:
    static constexpr bool kBatchTotal = kFast && NT > 1;
    static constexpr bool kLanes = kFiveBit && !kBatchTotal;
    static constexpr bool kPairs = !kFiveBit && kPairsInBatch && NT > 1 && !kFast;
    static constexpr int kIntegerSums = kLanes ? 2 : kPairs ? 4 : 1;

    void add(int t, const v128_t* sums, v128_t mins03, v128_t mins47, float a_d, float wd, float wdmin) {
        if constexpr (kLanes) {
            lanes_[t].add(a_d * wd, sums[0], sums[1]);
            const float mins = static_cast<float>(hsum_i32x4(wasm_i32x4_add(mins03, mins47)));
            lane_mins_[t] = fused_madd(-a_d * wdmin, mins, lane_mins_[t]);
            return;
        }
        const v128_t dd = pair_scales(wd * a_d, wdmin * a_d);
        if constexpr (kPairs) {
            // Pair p: sub-blocks 2p and 2p + 1 (their mins in lanes 2p % 4 and 2p % 4 + 1).
            const v128_t pair_mins = wasm_i32x4_add(wasm_i32x4_shuffle(mins03, mins47, 0, 2, 4, 6),
                                                    wasm_i32x4_shuffle(mins03, mins47, 1, 3, 5, 7));
            int32_t mins[4];
            wasm_v128_store(mins, pair_mins);
            for (int p = 0; p < 4; ++p) repacked_[t] = fused_pair(dd, hsum_i32x4(sums[p]), mins[p], repacked_[t]);
            return;
        }
        const v128_t totals = hsum2_i32x4(sums[0], wasm_i32x4_add(mins03, mins47));
        if constexpr (NT == 1) {
            repacked_[0] = fused_pair(dd, wasm_i32x4_extract_lane(totals, 0), wasm_i32x4_extract_lane(totals, 2), repacked_[0]);
            return;
        }
        const float total = static_cast<float>(wasm_i32x4_extract_lane(totals, 0));
        const float min_total = static_cast<float>(wasm_i32x4_extract_lane(totals, 2));
        sum_[t] += (a_d * wd) * total - (a_d * wdmin) * min_total;
    }

    void store(float* y, int64_t y_stride) const {
        for (int t = 0; t < NT; ++t) {
            if constexpr (kLanes) {
                y[t * y_stride] = lanes_[t].fold() + lane_mins_[t];
            } else if constexpr (NT == 1 || kPairs) {
                y[t * y_stride] = wasm_f32x4_extract_lane(repacked_[t], 0) - wasm_f32x4_extract_lane(repacked_[t], 1);
            } else {
                y[t * y_stride] = sum_[t];
            }
        }
    }

private:
    // The repacked kernels' two sums as one f64x2 step: lane 0 += total * d, lane 1 += mins * dmin,
    // each a fused multiply-add (exact in double: an integer below 2^24 times an f32).
    // With a native fused multiply-add (simd_fma.h, the relaxed build) the scales stay f32.
#if defined(__wasm_relaxed_simd__)
    static v128_t pair_scales(float d, float dmin) { return wasm_f32x4_make(d, dmin, 0.0f, 0.0f); }
    static v128_t fused_pair(v128_t dd, int32_t total, int32_t mins, v128_t acc) {
        return fmadd_f32x4(dd, wasm_f32x4_convert_i32x4(wasm_i32x4_make(total, mins, 0, 0)), acc);
    }
#else
    static v128_t pair_scales(float d, float dmin) {
        return wasm_f64x2_make(static_cast<double>(d), static_cast<double>(dmin));
    }
    static v128_t fused_pair(v128_t dd, int32_t total, int32_t mins, v128_t acc) {
        const v128_t x = wasm_f32x4_convert_i32x4(wasm_i32x4_make(total, mins, 0, 0));
        return wasm_f32x4_demote_f64x2_zero(
            wasm_f64x2_add(wasm_f64x2_mul(dd, wasm_f64x2_promote_low_f32x4(x)), wasm_f64x2_promote_low_f32x4(acc)));
    }
#endif

    float sum_[NT] = {};                              // Q2_K batch tiles
    EightLanes lanes_[NT];                            // Q5_K: the lanes
    float lane_mins_[NT] = {};                        //   and the mins' fused sum
    v128_t repacked_[NT] = {};                        // Q4_K / Q2_K one token, Q4_K batch: the two sums
};

// Q6_K / IQ4_XS (and Q3_K): add() takes a token's integer sums of one super-block as two i32x4,
// lanes 0..3 and 4..7, and d = the two scales' product; every token in llama.cpp's x86 vec_dot's
// eight lanes (its batch path calls the same dot per token).
// kFast: a batch tile in BatchOrder::Fast (quant.h), one total per super-block and token.
template <int NT, bool kFast = false>
class LaneTileSums {
public:
    static constexpr bool kTotal = kFast && NT > 1;
    static constexpr int kIntegerSums = kTotal ? 1 : 2;

    void add(int t, v128_t lo, v128_t hi, float d) {
        if constexpr (kTotal) sum_[t] += d * static_cast<float>(hsum_i32x4(wasm_i32x4_add(lo, hi)));
        else lanes_[t].add(d, lo, hi);
    }

    template <int kSums>
    void add(int t, const v128_t* isum, float d) {
        static_assert(kSums == kIntegerSums);
        add(t, isum[0], kSums == 2 ? isum[kSums - 1] : wasm_i32x4_splat(0), d);
    }

    void store(float* y, int64_t y_stride) const {
        for (int t = 0; t < NT; ++t) y[t * y_stride] = kTotal ? sum_[t] : lanes_[t].fold();
    }

private:
    float sum_[NT] = {};
    EightLanes lanes_[NT];
};
template <int NT>
using LlamaLaneSums = LaneTileSums<NT, false>;
template <int NT>
using FastLaneSums = LaneTileSums<NT, true>;

// IQ4_XS in a batch of kIqPanelMinTokens or more (kernels.h): llama.cpp's IQ panel GEMM converts
// a super-block's integer total to f32 and accumulates it with one fused multiply-add. add()
// takes the total as kIntegerSums i32x4 partial sums and d = the two scales' product.
template <int NT>
class PanelTileSums {
public:
    static constexpr int kIntegerSums = 1;

    template <int kSums>
    void add(int t, const v128_t* isum, float d) {
        static_assert(kSums == kIntegerSums);
        acc_[t] = fused_madd(static_cast<float>(hsum_i32x4(isum[0])), d, acc_[t]);
    }

    void store(float* y, int64_t y_stride) const {
        for (int t = 0; t < NT; ++t) y[t * y_stride] = acc_[t];
    }

private:
    float acc_[NT] = {};
};

// Q6_K's sums for LaneTileSums: `isum` holds the integer sums of the unsigned levels (0..63),
// kSums i32x4 as LaneTileSums takes them; sc_lo / sc_hi the 16 group scales as i16. The levels
// over-count by 32 x scale x Q8_K sum per group of 16, subtracted per lane where llama.cpp's x86
// kernel does it (lane k: groups 2k and 2k+1), or from the total.
template <int NT, bool kFast, int kSums>
inline void add_q6_k(LaneTileSums<NT, kFast>& sums, int t, const v128_t* isum, v128_t sc_lo, v128_t sc_hi,
                     const int16_t* bsums, float d) {
    const v128_t offset03 = wasm_i32x4_shl(wasm_i32x4_dot_i16x8(sc_lo, wasm_v128_load(bsums)), 5);
    const v128_t offset47 = wasm_i32x4_shl(wasm_i32x4_dot_i16x8(sc_hi, wasm_v128_load(bsums + 8)), 5);
    v128_t hi = wasm_i32x4_splat(0);
    if constexpr (kSums == 2) hi = isum[1];
    sums.add(t, wasm_i32x4_sub(isum[0], offset03), wasm_i32x4_sub(hi, offset47), d);
}

}  // namespace smollm::quant::simd128
