// Bounds on max |ours - llama.cpp| / (llama.cpp's logit range), per position, against llama.cpp
// evaluating one token at a time (its decode path), from the measurements in
// tests/parity/README.md.
//
// Attention, RoPE, SwiGLU, rms_norm and the one-token dot products of every matrix type follow
// llama.cpp's x86 arithmetic (its AVX-512 builds with AVX512_BF16) bit for bit in the native
// tool (since 2026-12-05; the SIMD128 web modules: all but F32; Q4_0 / IQ4_NL / Q8_0 / Q5_0 in
// --batch-order llama.cpp, which the tests use):
// such a file gives llama.cpp's logits exactly (0.0 over 320 positions). Bound
// there: issue 20's 1e-3, which the test cases meet at 0.0 (a change of arithmetic shows as a
// flip of an f16 or int8 rounding far above 1e-3 within a few dozen positions, as the RoPE fix
// of 2026-12-04 showed). Against another build (an AVX2-only machine's, whose dot products fold
// other accumulators) 2e-3 for float weights (5e-3 BF16), 3e-2 for quantized ones. The other
// kernels (Q8_0, Q5_0, Q4_0 and IQ4_NL in the default 'fast' order) sum in another order: ~1e-7
// of the range, which flips int8 roundings of quantized activations within a few dozen
// positions: bound 3e-2. Top-1 must agree except at near-ties (llama.cpp's top two
// within twice the difference at that position). `variant`: referenceCpuVariant().
//
// `model.weightTypes` (the matrices' GGML type names, weightTypes() below), when given, decides
// for quantized files: where every matrix is of a type whose one-token matmul follows llama.cpp's
// x86 order (EXACT_DECODE_TYPES) our decode path is llama.cpp's bit for bit, bound 1e-3 against
// the builds we mirror. `batchMaxRel` bounds our batch path against llama.cpp's batch (plus its
// own batch-vs-decode difference). `batchExact`: every matrix is of a type whose batch order
// in llama.cpp's batch mode (--batch-order llama.cpp, src/quant/kernels.h) is llama.cpp's x86
// batch path (BATCH_EXACT_TYPES), so our batch must give its batch logits bit for bit.
// `batchWithinOwn`: against the builds we mirror, every file's batch (in that order) stays
// within max(1e-3, llama.cpp's own batch-vs-decode difference); else batchMaxRel plus it.
// `engine`: 'native' (the native tool, scalar kernels) or 'wasm' (the SIMD128 web modules
// through the CLI), whose exact one-token types are fewer (SIMD128_EXACT_DECODE_TYPES).
export function thresholdsFor(model, variant = MIRRORED_CPU_VARIANTS[0], engine = 'native') {
    const name = model.name.replace(/\.gguf$/, '');
    const mirrored = MIRRORED_CPU_VARIANTS.includes(variant);
    const types = model.weightTypes;
    const batchExact = Boolean(types && mirrored && types.length && types.every((t) => BATCH_EXACT_TYPES.has(t)));
    const exactDecode = engine === 'wasm' ? SIMD128_EXACT_DECODE_TYPES : EXACT_DECODE_TYPES;
    // Issue 20's batch bound against the builds we mirror: within 1e-3 of the range, or within
    // llama.cpp's own batch-vs-decode difference where that is larger.
    return {...decodeThresholds(name, mirrored, types, exactDecode), batchExact, batchWithinOwn: mirrored};
}

function decodeThresholds(name, mirrored, types, exactDecode) {
    if (types && mirrored && types.length && types.every((t) => exactDecode.has(t)) && !types.every((t) => t === 'F16')) {
        // Float weights re-quantize nothing, so a batch summed in another order stays ~1e-6 off.
        const batchMaxRel = types.every((t) => BATCH_AS_DECODE_TYPES.has(t) || FLOAT_TYPES.has(t)) ? 1e-3 : 3e-2;
        return {maxRel: 1e-3, batchMaxRel, minOverlap: 9, meanOverlap: 9.9};
    }
    return {batchMaxRel: undefined, ...nameThresholds(name, mirrored)};
}

// Matrix types whose one-token matmul is llama.cpp's x86 arithmetic bit for bit in the native
// tool: every type since 2026-12-05 (F32, F16, BF16, Q4_1 / Q5_1, the k-quants Q2_K..Q6_K with
// IQ4_XS; Q4_0 / IQ4_NL in its repacked GEMV's order, Q8_0 / Q5_0 in its vec_dot's lanes).
// The four Q8_0-activation types follow it in --batch-order llama.cpp, which ourLogits uses
// (the default 'fast' order sums them per block in f32). The web modules give the same bits
// (kernel_parity_test checks SIMD128 against the scalar kernels, the relaxed browser test the
// relaxed modules against the native tool), except for F32, which the SIMD128 modules sum
// plainly (4.2e-4 of the range on gen-f32).
export const EXACT_DECODE_TYPES = new Set(['F32', 'F16', 'BF16', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q2_K', 'Q3_K', 'Q4_K',
    'Q5_K', 'Q6_K', 'IQ4_NL', 'IQ4_XS']);
const SIMD128_EXACT_DECODE_TYPES = new Set([...EXACT_DECODE_TYPES].filter((t) => t !== 'F32'));
// Those of them whose batch tiles use the same order.
const BATCH_AS_DECODE_TYPES = new Set(['F16', 'BF16', 'Q4_1', 'Q5_1']);
// Matrix types whose batch matmul follows llama.cpp's x86 batch path in BatchOrder::LlamaCpp
// (2026-12-05: F16's tinyBLAS, Q4_1 / Q5_1 and Q3_K / Q5_K / Q6_K's per-token dot, Q4_K's
// repacked GEMM, IQ4_XS's dot and IQ panel; Q8_0 / Q5_0's per-token dot and Q4_0 / IQ4_NL's
// repacked GEMM, whose rows sum like its GEMV's; with the tiled attention). Not F32 / BF16
// (tinyBLAS with FMA / AVX512-BF16) and Q2_K (its repacked GEMM).
const BATCH_EXACT_TYPES = new Set(['F16', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL',
    'IQ4_XS']);
const FLOAT_TYPES = new Set(['F32', 'F16', 'BF16']);

const GGML_TYPE_NAMES = {0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 6: 'Q5_0', 7: 'Q5_1', 8: 'Q8_0', 10: 'Q2_K',
    11: 'Q3_K', 12: 'Q4_K', 13: 'Q5_K', 14: 'Q6_K', 20: 'IQ4_NL', 23: 'IQ4_XS', 30: 'BF16'};

// The GGML type names of a GGUF file's matrices (tensors of two or more dimensions; the norms
// are F32 vectors), read from its header with node-llama-cpp's reader.
export async function weightTypes(path) {
    const {readGgufFileInfo} = await import('node-llama-cpp');
    const info = await readGgufFileInfo(path, {readTensorInfo: true});
    const names = new Set();
    for (const t of info.fullTensorInfo ?? []) {
        if (t.dimensions.length >= 2) names.add(GGML_TYPE_NAMES[t.ggmlType] ?? `type ${t.ggmlType}`);
    }
    return [...names].sort();
}

function nameThresholds(name, mirrored) {
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
