// sin and cos of a float as glibc computes them on x86-64 (2.28 and later, its FMA variants
// __sinf_fma / __cosf_fma), in every build. RoPE's rotation tables come from these, and
// llama.cpp on Linux calls glibc's sinf / cosf: emscripten's libc (musl) rounds some angles
// differently (one float in ~300 below 1e5), and each such table entry turned into a one-ulp
// different q or k and, some positions later, a flipped f16 rounding in the attention.
#pragma once

namespace smollm::rope_trig {

// sin(x) and cos(x), from one argument reduction.
void sin_cos(float x, float* sin_out, float* cos_out);

}  // namespace smollm::rope_trig
