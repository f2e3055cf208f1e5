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
        for (int32_t i = 0; i < kv_dim_; ++i) {
            k16_[base + static_cast<size_t>(i)] = f32_to_f16(k[i]);
            v16_[base + static_cast<size_t>(i)] = f32_to_f16(v[i]);
        }
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
        const size_t stride = static_cast<size_t>(kv_dim_);
        for (; j + 4 <= count; j += 4) {
            const uint16_t* k0 = k16_.get() + row_index(layer, pos0 + j) + static_cast<size_t>(offset);
            v128_t acc = wasm_f32x4_splat(0.0f);
            for (int32_t i = 0; i < n; i += 4) {
                const v128_t r0 = load_f16x4(k0 + i), r1 = load_f16x4(k0 + stride + i);
                const v128_t r2 = load_f16x4(k0 + 2 * stride + i), r3 = load_f16x4(k0 + 3 * stride + i);
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
        const v128_t w = wasm_f32x4_splat(weight);
        for (; i + 4 <= n; i += 4)
            wasm_v128_store(out + i, wasm_f32x4_add(wasm_v128_load(out + i), wasm_f32x4_mul(w, load_f16x4(v + i))));
#endif
        for (; i < n; ++i) out[i] += weight * f16_to_f32(v[i]);
    } else {
        const float* v = v32_.get() + base;
        for (int32_t i = 0; i < n; ++i) out[i] += weight * v[i];
    }
}

}  // namespace smollm
