// Tolerances, from the measurements in tests/parity/README.md.
// F32 / F16 / BF16 weights: the only differences from llama.cpp are summation order and
// f16 rounding flips in the attention (we round Q and the attention weights to f16 as it
// does); measured max diff/range 5.6e-4 (F16, F32) and 3.7e-3 (BF16), bound 5e-3.
// Quantized weights: measured 1.0e-2 .. 2.0e-2 on every type, trained model included: the
// same flips, but of int8 activation roundings (Q8_0 / Q8_K steps are 8-16x an f16 ulp, see
// README), bound 3e-2. It moves perplexity by < 0.02%. Top-1 must agree except at near-ties
// (gap <= 2 x max diff).
export function thresholdsFor(model) {
    const plain = /(^|[-_])(f32|f16|bf16)(\.gguf)?$/i.test(model.name.replace(/\.gguf$/, ''));
    return plain ? {maxRel: 5e-3, minOverlap: 9, meanOverlap: 9.9} : {maxRel: 3e-2, minOverlap: 8, meanOverlap: 9.3};
}
