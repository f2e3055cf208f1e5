// Bounds on max |ours - llama.cpp| / (llama.cpp's logit range), per position, against llama.cpp
// evaluating one token at a time (its decode path), from the measurements in
// tests/parity/README.md.
//
// Attention, RoPE, SwiGLU, rms_norm and the F16 / Q4_1 / Q5_1 dot products follow llama.cpp's
// x86 arithmetic (its AVX-512 builds) bit for bit: an F16 or Q5_1 file gives llama.cpp's logits
// exactly (0.0 over 320 positions, 2026-12-04). Bound there: issue 20's 1e-3, which the test
// cases meet at 0.0 (a change of arithmetic shows as a flip of an f16 or int8 rounding far above
// 1e-3 within a few dozen positions, as the RoPE fix of 2026-12-04 showed). Against another
// build (an AVX2-only machine's, whose dot products fold other accumulators) 2e-3 for float
// weights, 3e-2 for Q4_1 / Q5_1. The other kernels (BF16 / F32 weights, the Q8_0 types, the
// k-quants, IQ4_XS) still sum in another order: ~1e-7 of the range, which stays there for float
// weights but flips int8 roundings of quantized activations within a few dozen positions.
// Bounds: 5e-3 (BF16), 3e-2 (quantized). Top-1 must agree except at near-ties (llama.cpp's top
// two within twice the difference at that position). `variant`: referenceCpuVariant().
export function thresholdsFor(model, variant = MIRRORED_CPU_VARIANTS[0]) {
    const name = model.name.replace(/\.gguf$/, '');
    const mirrored = MIRRORED_CPU_VARIANTS.includes(variant);
    if (/(^|[-_])(f32|f16)$/i.test(name)) return {maxRel: mirrored ? 1e-3 : 2e-3, minOverlap: 9, meanOverlap: 9.9};
    if (/(^|[-_])bf16$/i.test(name)) return {maxRel: 5e-3, minOverlap: 9, meanOverlap: 9.9};
    if (/(^|[-_])q[45]_1$/i.test(name) && mirrored) return {maxRel: 1e-3, minOverlap: 9, meanOverlap: 9.9};
    // Top-10 membership: the 10th and 11th logits are often within such a flip of each other
    // (measured minimum 7 on gen-135m-shape-q4_k_m through the wasm build, mean 9.62).
    return {maxRel: 3e-2, minOverlap: 7, meanOverlap: 9.3};
}

// node-llama-cpp's CPU builds whose float order our kernels follow (tests/parity/README.md).
export const MIRRORED_CPU_VARIANTS = ['zen4', 'skylakex'];

// The bound for a quantized KV cache (`v`: the V cache type) against a given reference
// build. Against the builds we mirror, a cache value ~1e-7 from llama.cpp's sometimes rounds to
// the next level of its block: the quantized-file bound. Two cases flip more levels, and a q4_0
// level is 1/8 of its block's largest value, so each flip moves the logits far more than a q8_0
// one: (1) a q4_0 V, whose products ours rounds before adding them (llama.cpp's builds without
// FMA, wllama's among them; model/kv_kernels.h says why) while the AVX-512 builds fuse them:
// q4_0 K and V on tiny-py-F16 measured 3.03e-2 against zen4 (2026-12-04, top-1 299/300 and a
// near-tie); (2) other builds (ggml picks the best the CPU runs; lib/reference.mjs keeps AMX's
// 'sapphirerapids' out, an AVX2-only machine gets 'haswell'), which compile the same code with
// other instruction sets: q4_0 K and V measured 3.97e-2 against 'sapphirerapids' (2026-12-03).
export function quantizedCacheBound(variant, quantizedBound, {v = 'q8_0'} = {}) {
    const maxRel = 5e-2;
    if (!MIRRORED_CPU_VARIANTS.includes(variant)) {
        return {maxRel, note: `reference runs node-llama-cpp's ${variant} CPU build, not one whose float order we follow (${MIRRORED_CPU_VARIANTS.join(', ')}): bound ${maxRel} instead of ${quantizedBound}`};
    }
    if (v === 'q4_0') return {maxRel, note: `a q4_0 V sums rounded products where llama.cpp's ${variant} build fuses them: bound ${maxRel} instead of ${quantizedBound}`};
    return {maxRel: quantizedBound};
}
