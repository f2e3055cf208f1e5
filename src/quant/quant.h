// The one face of quant/: what the model layer may ask of the kernels. Kernels never know
// models or threads: they take rows, blocks and activations. The caller splits rows across
// threads and calls matmul on each range.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "gguf/gguf_types.h"

namespace smollm {

// True when `t` can be used as a weight type (dequantize, dot, matmul).
bool quant_supported(GgmlType t);

// Which format activations are converted to before multiplying them with weights of type
// `weight_type` (e.g. Q8_0 for the legacy quants, Q8_K for k-quants, F16 for F16 weights).
GgmlType activation_type_for(GgmlType weight_type);

// Bytes of one activation row of `n_cols` values in the format above.
size_t activation_row_bytes(GgmlType weight_type, int64_t n_cols);

// Converts one row of f32 activations to the format above. `n_cols` must be a multiple of
// the weight type's block size.
void quantize_activation_row(GgmlType weight_type, const float* x, void* dst, int64_t n_cols);

// Bytes of scratch one matmul call over rows of this type and width needs (0 when none: the
// SIMD128 kernels of some types widen a tile of activation rows first).
size_t matmul_scratch_bytes(GgmlType weight_type, int64_t n_cols);

// The float order of a batch of 2 or more tokens (one token always takes llama.cpp's decode
// order). LlamaCpp: llama.cpp's x86 batch path (quant/kernels.h), so that a prompt evaluated as
// one batch gives llama.cpp's logits bit for bit; its fused multiply-adds, emulated in double,
// cost prefill speed (bench/RESULTS.md). Fast: one total per super-block for the k-quants and
// IQ4_XS; every other type is the same in both.
enum class BatchOrder { Fast, LlamaCpp };
// "fast" / "llama.cpp", the names the CLI and the JS API use.
const char* batch_order_name(BatchOrder order);
std::optional<BatchOrder> parse_batch_order(std::string_view name);

// y[t * y_stride + r] = dot(weight row r, activation row t) for r in [row_begin, row_end),
// t in [0, n_tokens). `w` points at row 0; `w_row_bytes` is the byte stride between rows.
// Activation rows are `xq_row_bytes` apart. Reuses each weight block across the tokens.
// `scratch` holds matmul_scratch_bytes(weight_type, n_cols) bytes owned by the calling thread;
// null uses a per-thread buffer grown on first use (tests and benchmarks: a forward pass plans
// its scratch at load, so decoding allocates nothing whichever thread claims which rows).
void matmul(GgmlType weight_type, const void* w, size_t w_row_bytes, int64_t n_cols,
            int64_t row_begin, int64_t row_end,
            const void* xq, size_t xq_row_bytes, int64_t n_tokens,
            float* y, int64_t y_stride, uint8_t* scratch = nullptr, BatchOrder order = BatchOrder::Fast);

// Scalar reference dequantization of `n` consecutive elements (a multiple of the block size).
void dequantize_row(GgmlType t, const void* src, float* dst, int64_t n);

// Quantizes `n` values (a multiple of the block size) to `t`. `importance` (n weights, may be
// null) steers the error the way llama.cpp's imatrix-free quantizers do.
void quantize_row(GgmlType t, const float* src, void* dst, int64_t n, const float* importance);

// "relaxed-simd", "simd128" or "scalar": what matmul dispatches to in this build.
const char* kernel_isa();

}  // namespace smollm
