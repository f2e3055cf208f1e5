#include "model/kv_cache.h"

#include "model/f16.h"
#if defined(__wasm_simd128__)
#include "quant/simd128_util.h"
#endif

namespace smollm {

KvCache::KvCache(int32_t n_layers, int32_t n_ctx, int32_t kv_dim, bool f16)
    : n_layers_(n_layers), n_ctx_(n_ctx), kv_dim_(kv_dim), f16_(f16) {
    const size_t n = static_cast<size_t>(n_layers) * static_cast<size_t>(n_ctx) * static_cast<size_t>(kv_dim);
    // Left uninitialised on purpose: a position is always stored before it is read, and zeroing
    // 384 MiB (SmolLM2-1.7B at 2048 positions) touched every page of it at load, 0.55 s in
    // wasm, for memory most chats never reach.
    if (f16) {
        k16_.reset(new uint16_t[n]);
        v16_.reset(new uint16_t[n]);
    } else {
        k32_.reset(new float[n]);
        v32_.reset(new float[n]);
    }
}

uint64_t KvCache::bytes_for(int32_t n_layers, int32_t n_ctx, int32_t kv_dim, bool f16) {
    return 2ull * static_cast<uint64_t>(n_layers) * static_cast<uint64_t>(n_ctx) * static_cast<uint64_t>(kv_dim) *
           (f16 ? 2u : 4u);
}

uint64_t KvCache::bytes() const { return bytes_for(n_layers_, n_ctx_, kv_dim_, f16_); }

void KvCache::store(int32_t layer, int32_t pos, const float* k, const float* v) {
    const size_t base = row_index(layer, pos);
    if (f16_) {
        uint32_t inf_or_nan = 0;   // a half is inf or NaN when its exponent bits are all set
        for (int32_t i = 0; i < kv_dim_; ++i) {
            const uint16_t hk = f32_to_f16(k[i]), hv = f32_to_f16(v[i]);
            k16_[base + static_cast<size_t>(i)] = hk;
            v16_[base + static_cast<size_t>(i)] = hv;
            inf_or_nan |= ((hk & 0x7c00u) == 0x7c00u) | ((hv & 0x7c00u) == 0x7c00u);
        }
        if (inf_or_nan) has_inf_nan_.store(true, std::memory_order_relaxed);
    } else {
        for (int32_t i = 0; i < kv_dim_; ++i) {
            k32_[base + static_cast<size_t>(i)] = k[i];
            v32_[base + static_cast<size_t>(i)] = v[i];
        }
    }
}

float KvCache::key_dot(int32_t layer, int32_t pos, int32_t offset, const float* q, int32_t n) const {
    const size_t base = row_index(layer, pos) + static_cast<size_t>(offset);
    float sum = 0.0f;
    if (f16_) {
        const uint16_t* k = k16_.get() + base;
        for (int32_t i = 0; i < n; ++i) sum += q[i] * f16_to_f32(k[i]);
    } else {
        const float* k = k32_.get() + base;
        for (int32_t i = 0; i < n; ++i) sum += q[i] * k[i];
    }
    return sum;
}

#if defined(__wasm_simd128__)
namespace {
// Four halves at `h` as f32x4, exactly (see simd128::fp16x4_to_f32).
inline v128_t load_f16x4(const uint16_t* h) {
    return quant::simd128::fp16x4_to_f32(wasm_u32x4_extend_low_u16x8(wasm_v128_load64_zero(h)));
}

// The same for halves that are neither inf nor NaN, in 4 operations instead of 11: each half
// goes to the top of its lane, an arithmetic shift by 3 puts its exponent and mantissa where
// an f32's low exponent bits and mantissa are (the sign stays at bit 31), the mask clears the
// three copied sign bits, and multiplying by 2^112 rebiases the exponent (subnormal halves
// become f32 subnormals that the multiply scales exactly).
inline v128_t load_finite_f16x4(const uint16_t* h) {
    const v128_t top = wasm_i16x8_shuffle(wasm_i64x2_splat(0), wasm_v128_load64_zero(h), 0, 8, 1, 9, 2, 10, 3, 11);
    const v128_t bits = wasm_v128_and(wasm_i32x4_shr(top, 3), wasm_i32x4_splat(static_cast<int32_t>(0x8fffe000u)));
    return wasm_f32x4_mul(bits, wasm_f32x4_splat(0x1p112f));
}

template <bool kFinite>
inline v128_t load_halves(const uint16_t* h) {
    return kFinite ? load_finite_f16x4(h) : load_f16x4(h);
}

// key_dots' vector loop over positions [j, count) in steps of 4; returns where it stopped.
template <bool kFinite>
int32_t key_dots4(const uint16_t* k, size_t stride, int32_t count, const float* q, int32_t n, float* out) {
    int32_t j = 0;
    for (; j + 4 <= count; j += 4) {
        const uint16_t* k0 = k + static_cast<size_t>(j) * stride;
        v128_t acc = wasm_f32x4_splat(0.0f);
        for (int32_t i = 0; i < n; i += 4) {
            const v128_t r0 = load_halves<kFinite>(k0 + i), r1 = load_halves<kFinite>(k0 + stride + i);
            const v128_t r2 = load_halves<kFinite>(k0 + 2 * stride + i), r3 = load_halves<kFinite>(k0 + 3 * stride + i);
            // 4x4 transpose: c_e holds element i + e of the four positions.
            const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
            const v128_t t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
            acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(q[i]), wasm_i64x2_shuffle(t0, t1, 0, 2)));
            acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(q[i + 1]), wasm_i64x2_shuffle(t0, t1, 1, 3)));
            acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(q[i + 2]), wasm_i64x2_shuffle(t2, t3, 0, 2)));
            acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(q[i + 3]), wasm_i64x2_shuffle(t2, t3, 1, 3)));
        }
        wasm_v128_store(out + j, acc);
    }
    return j;
}

template <bool kFinite>
void value_axpy4(const uint16_t* v, float weight, float* out, int32_t n) {
    const v128_t w = wasm_f32x4_splat(weight);
    for (int32_t i = 0; i < n; i += 4)
        wasm_v128_store(out + i, wasm_f32x4_add(wasm_v128_load(out + i), wasm_f32x4_mul(w, load_halves<kFinite>(v + i))));
}
}  // namespace
#endif

void KvCache::key_dots(int32_t layer, int32_t pos0, int32_t count, int32_t offset, const float* q, int32_t n,
                       float* out) const {
    int32_t j = 0;
#if defined(__wasm_simd128__)
    // The scalar loop converts every half with a dozen integer ops and cannot be vectorised
    // (its sum is ordered): at 512 cached positions attention took over a third of a decode
    // step. Here lane r of `acc` is position pos0 + j + r, so each sum keeps key_dot's order.
    if (f16_ && n % 4 == 0) {
        const uint16_t* k = k16_.get() + row_index(layer, pos0) + static_cast<size_t>(offset);
        const size_t stride = static_cast<size_t>(kv_dim_);
        j = has_inf_nan_.load(std::memory_order_relaxed) ? key_dots4<false>(k, stride, count, q, n, out)
                                                          : key_dots4<true>(k, stride, count, q, n, out);
    }
#endif
    for (; j < count; ++j) out[j] = key_dot(layer, pos0 + j, offset, q, n);
}

void KvCache::value_axpy(int32_t layer, int32_t pos, int32_t offset, float weight, float* out, int32_t n) const {
    const size_t base = row_index(layer, pos) + static_cast<size_t>(offset);
    if (f16_) {
        const uint16_t* v = v16_.get() + base;
        int32_t i = 0;
#if defined(__wasm_simd128__)
        // Element-wise, so the vector form gives the scalar loop's results exactly.
        if (n % 4 == 0) {
            if (has_inf_nan_.load(std::memory_order_relaxed)) value_axpy4<false>(v, weight, out, n);
            else value_axpy4<true>(v, weight, out, n);
            i = n;
        }
#endif
        for (; i < n; ++i) out[i] += weight * f16_to_f32(v[i]);
    } else {
        const float* v = v32_.get() + base;
        for (int32_t i = 0; i < n; ++i) out[i] += weight * v[i];
    }
}

}  // namespace smollm
