// Tolerances, from the F32 / F16 measurements (see tests/parity/README.md): there the only
// differences from llama.cpp are summation order and the f16 KV-cache rounding, so the
// figure measured on them, with margin, bounds what the arithmetic alone may differ by.
// Quantized weights add llama.cpp's own activation quantization (Q8_0 / Q8_K), which we
// reproduce, so they get the same bound unless a type shows otherwise.
export function thresholdsFor(model) {
    return {maxRel: 2e-3, minOverlap: 8, meanOverlap: 9.5};
}
