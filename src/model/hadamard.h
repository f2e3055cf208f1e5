// llama.cpp's attention rotation for a quantized KV cache (llama-kv-cache.cpp, attn_rot_k /
// attn_rot_v, on unless LLAMA_ATTN_ROT_DISABLE): when K is quantized and the head size is a
// multiple of 64, each head of Q and K is multiplied by the orthonormal Walsh-Hadamard matrix
// of the head size (entries +-1/sqrt(n)) after RoPE and before K is stored; when V is
// quantized, each head of V before it is stored, and each head of the attention output after
// (the matrix is its own inverse). Attention scores are unchanged in exact arithmetic
// (H is orthonormal), but the rotated values spread outliers over the block, so they
// quantize with less error; and llama.cpp's quantized cache holds the rotated rows, so ours
// must too for the logits to match. Anything that re-rotates cached keys' RoPE (a context
// shift) must undo this first: load_k, hadamard_rotate (H is its own inverse), RoPE, rotate
// again, store_k.
#pragma once
#include <cstdint>

namespace smollm {

// Whether llama.cpp rotates heads of this size (a power of two, a multiple of 64).
bool hadamard_applies(int32_t head_dim);

// x[0..n) = H_n x (n a power of two), by the fast Walsh-Hadamard transform and one scaling.
// The sums are rounded in another order than llama.cpp's matrix product (~1e-7 relative).
void hadamard_rotate(float* x, int32_t n);

}  // namespace smollm
