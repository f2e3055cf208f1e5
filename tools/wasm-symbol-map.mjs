#!/usr/bin/env node
// Writes a wasm module's symbol map (lines "index:name", the format of emcc --emit-symbol-map
// that tools/wasm-frames.mjs reads) from its "name" section, then removes that section.
//   node tools/wasm-symbol-map.mjs <module.wasm> <module.js.symbols>
//
// Why not emcc's own --emit-symbol-map: it runs binaryen's wasm-opt over the finished module,
// and Debian's binaryen 108 cannot decode the final relaxed-SIMD opcodes (f32x4.relaxed_madd)
// that the relaxed build uses. That build links with --profiling-funcs instead (wasm-ld keeps
// the function names) and this script moves them out, so the published module carries no names,
// as before. Only the section framing is read; no function body is decoded.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * An unsigned LEB128 at `offset`.
 * @param {Uint8Array} bytes
 * @param {number} offset
 * @returns {{ value: number, next: number }}
 */
function readU32(bytes, offset) {
  let value = 0;
  let shift = 0;
  for (let i = offset; i < bytes.length && shift < 35; ++i, shift += 7) {
    value += (bytes[i] & 0x7f) * 2 ** shift;
    if ((bytes[i] & 0x80) === 0) return { value, next: i + 1 };
  }
  throw new Error(`malformed LEB128 at byte ${offset}`);
}

/**
 * The module's sections, in order.
 * @param {Uint8Array} bytes
 * @returns {{ id: number, start: number, body: number, end: number }[]}
 */
export function sections(bytes) {
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) throw new Error('not a wasm module (version 1)');
  const out = [];
  for (let at = 8; at < bytes.length;) {
    const size = readU32(bytes, at + 1);
    const end = size.next + size.value;
    if (end > bytes.length) throw new Error(`section at byte ${at} runs past the end of the module`);
    out.push({ id: bytes[at], start: at, body: size.next, end });
    at = end;
  }
  return out;
}

/**
 * A name at `offset` (LEB128 length, UTF-8 bytes).
 * @param {Uint8Array} bytes
 * @param {number} offset
 */
function readName(bytes, offset) {
  const len = readU32(bytes, offset);
  return { name: new TextDecoder().decode(bytes.subarray(len.next, len.next + len.value)), next: len.next + len.value };
}

/**
 * Splits a module into its function names and the module without its name section.
 * @param {Uint8Array} bytes
 * @returns {{ names: Map<number, string>, stripped: Uint8Array }}
 */
export function takeFunctionNames(bytes) {
  const names = new Map();
  const kept = [];
  for (const s of sections(bytes)) {
    const custom = s.id === 0 ? readName(bytes, s.body) : null;
    if (custom?.name !== 'name') {
      kept.push(bytes.subarray(s.start, s.end));
      continue;
    }
    // Subsections: id byte, size; subsection 1 is the function names, a vector of (index, name).
    for (let at = custom.next; at < s.end;) {
      const id = bytes[at];
      const size = readU32(bytes, at + 1);
      if (id === 1) {
        const count = readU32(bytes, size.next);
        let p = count.next;
        for (let i = 0; i < count.value; ++i) {
          const index = readU32(bytes, p);
          const entry = readName(bytes, index.next);
          names.set(index.value, entry.name);
          p = entry.next;
        }
      }
      at = size.next + size.value;
    }
  }
  if (names.size === 0) throw new Error('the module has no function names (link with --profiling-funcs)');
  const stripped = new Uint8Array(8 + kept.reduce((n, k) => n + k.length, 0));
  stripped.set(bytes.subarray(0, 8), 0);
  let at = 8;
  for (const k of kept) {
    stripped.set(k, at);
    at += k.length;
  }
  return { names, stripped };
}

/**
 * The map's text: one "index:name" line per function, by index. A backslash or a line break in
 * a name is written as \XX (hex), the escape tools/wasm-frames.mjs undoes.
 * @param {Map<number, string>} names
 */
export function symbolMapText(names) {
  const escape = (s) => s.replace(/[\\\n\r]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return [...names].sort((a, b) => a[0] - b[0]).map(([i, n]) => `${i}:${escape(n)}\n`).join('');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [wasmPath, symbolsPath] = process.argv.slice(2);
  if (!wasmPath || !symbolsPath) {
    console.error('usage: node tools/wasm-symbol-map.mjs <module.wasm> <module.js.symbols>');
    process.exit(2);
  }
  const { names, stripped } = takeFunctionNames(readFileSync(wasmPath));
  writeFileSync(symbolsPath, symbolMapText(names));
  writeFileSync(wasmPath, stripped);
}
