// Scale searches shared by the k-quant and IQ4 quantizers. They reproduce the searches of
// llama.cpp's reference quantizers (ggml-quants.c: make_qx_quants, make_q3_quants,
// make_qkx2_quants, the IQ4 grid search) so that our files carry the same error as
// llama-quantize's without an importance matrix.
#pragma once
#include <cstdint>

namespace smollm::quant {

// Round to nearest, ties to even, for |v| < 2^22 (the magic-number trick ggml uses; faster
// than nearbyint and identical in the default rounding mode).
int nearest_int(float v);

// Symmetric levels in [-nmax, nmax-1] (stored +nmax in L) with a least-squares scale refined
// over 18 nearby inverse scales; rmse_type 1 weights errors by x^2 (or by `weights`).
float make_qx_quants(int n, int nmax, const float* x, int8_t* L, int rmse_type, const float* weights);

// Q3_K's variant: symmetric levels refined element by element (weights x^2).
float make_q3_quants(int n, int nmax, const float* x, int8_t* L, bool do_rmse);

// Asymmetric levels in [0, nmax] with a scale and a (non-positive) min fitted by weighted least
// squares over nstep+1 trial inverse scales; *the_min receives -min.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                       float* the_min, uint8_t* Laux, float rmin, float rdelta, int nstep,
                       bool use_mad);

// Index of the IQ4 level nearest to x (ties to the upper level), values sorted ascending.
int iq4_best_index(const int8_t* values, float x);

}  // namespace smollm::quant
