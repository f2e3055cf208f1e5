// Whether this JavaScript engine runs relaxed SIMD with the final semantics. Validation alone
// is not enough: V8 11.3 (Node 20) behind --experimental-wasm-relaxed-simd validates the final
// opcodes but runs the draft semantics (the accumulating dot product returns doubled sums and
// drops the accumulator), which would make the relaxed build compute wrong logits. So a tiny
// module runs, on constants, the dot product the relaxed kernels use (i16x8) and its
// accumulating sibling (i32x4, where the draft differs most), and its answer is compared with
// the one the final specification gives.
import { InvalidArgumentError } from './errors.js';

/** @import { SimdChoice } from './types.js' */

// Operands: `a` covers the int8 extremes, `b` stays in 0..127 (the only range in which the
// relaxed dot products are deterministic, and the only one the kernels feed them).
const A = [-128, 127, -1, 100, 50, -50, 7, -7, 127, 127, -128, -128, 1, 2, 3, -4];
const B = [127, 127, 3, 5, 11, 13, 127, 1, 127, 127, 127, 127, 0, 1, 2, 3];
const ACC = [1000, -2000, 123456, -7];

// i16x8.relaxed_dot_i8x16_i7x16_s: adjacent pairs of products.
const DOT16 = Array.from({ length: 8 }, (_, i) => A[2 * i] * B[2 * i] + A[2 * i + 1] * B[2 * i + 1]);
// i32x4.relaxed_dot_i8x16_i7x16_add_s: groups of four products, plus the accumulator.
const DOT32 = Array.from({ length: 4 }, (_, i) => ACC[i] + [0, 1, 2, 3].reduce((s, k) => s + A[4 * i + k] * B[4 * i + k], 0));

/** @param {number} n @returns {number[]} */
function leb128(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

/** @param {number[]} bytes */
function v128Const(bytes) {
  return [0xfd, ...leb128(0x0c), ...bytes];
}

/** @param {number[]} values @param {1 | 2 | 4} bytesPerLane */
function lanes(values, bytesPerLane) {
  const view = new DataView(new ArrayBuffer(16));
  values.forEach((v, i) => {
    if (bytesPerLane === 1) view.setInt8(i, v);
    else if (bytesPerLane === 2) view.setInt16(i * 2, v, true);
    else view.setInt32(i * 4, v, true);
  });
  return [...new Uint8Array(view.buffer)];
}

const simd = (/** @type {number} */ opcode) => [0xfd, ...leb128(opcode)];
const OP = {
  i16x8Eq: simd(0x2d),
  i32x4Eq: simd(0x37),
  i16x8AllTrue: simd(0x83),
  i32x4AllTrue: simd(0xa3),
  relaxedDot16: simd(0x112),
  relaxedDot32Add: simd(0x113),
  i32And: [0x71],
  end: [0x0b],
};

/** @param {number} id @param {number[]} content */
function section(id, content) {
  return [id, ...leb128(content.length), ...content];
}

// (module (func (export "f") (result i32) <both dot products equal their expected lanes>))
function probeModuleBytes() {
  const a = v128Const(lanes(A, 1));
  const b = v128Const(lanes(B, 1));
  const body = [
    0x00, // no locals
    ...a, ...b, ...OP.relaxedDot16, ...v128Const(lanes(DOT16, 2)), ...OP.i16x8Eq, ...OP.i16x8AllTrue,
    ...a, ...b, ...v128Const(lanes(ACC, 4)), ...OP.relaxedDot32Add, ...v128Const(lanes(DOT32, 4)),
    ...OP.i32x4Eq, ...OP.i32x4AllTrue,
    ...OP.i32And,
    ...OP.end,
  ];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x00, 0x01, 0x7f]),            // type 0: () -> i32
    ...section(3, [0x01, 0x00]),                               // func 0 has type 0
    ...section(7, [0x01, 0x01, 0x66, 0x00, 0x00]),             // export "f" = func 0
    ...section(10, [0x01, ...leb128(body.length), ...body]),   // its code
  ]);
}

/** Values of LoadOptions.simd. */
export const SIMD_CHOICES = Object.freeze(['auto', 'relaxed', 'simd128']);

/**
 * @param {unknown} simd
 * @returns {asserts simd is SimdChoice}
 */
export function checkSimdChoice(simd) {
  if (!SIMD_CHOICES.includes(/** @type {string} */ (simd))) {
    throw new InvalidArgumentError(`simd must be one of ${SIMD_CHOICES.map((c) => `'${c}'`).join(', ')}`);
  }
}

/** @typedef {{supported: boolean, reason: string}} RelaxedSimdSupport */

/** @type {RelaxedSimdSupport | null} */
let cached = null;

/**
 * @returns {RelaxedSimdSupport} whether relaxed SIMD validates and computes the final
 *   semantics here, and why not when it does not.
 */
export function relaxedSimdSupport() {
  if (cached) return cached;
  cached = probe();
  return cached;
}

/** @returns {RelaxedSimdSupport} */
function probe() {
  if (typeof WebAssembly !== 'object') return { supported: false, reason: 'WebAssembly is unavailable' };
  const bytes = probeModuleBytes();
  if (!WebAssembly.validate(bytes)) {
    return { supported: false, reason: 'this JavaScript engine does not support relaxed SIMD (WebAssembly.validate is false)' };
  }
  try {
    // The module is a few hundred bytes: synchronous compilation is allowed on any thread.
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    if (/** @type {() => number} */ (exports.f)() === 1) return { supported: true, reason: 'relaxed SIMD validates and computes the final semantics' };
    return {
      supported: false,
      reason: 'this JavaScript engine validates relaxed SIMD but computes the pre-standard (draft) dot products',
    };
  } catch (error) {
    return { supported: false, reason: `relaxed SIMD validates but does not run here: ${error instanceof Error ? error.message : error}` };
  }
}
