#!/usr/bin/env node
// Names the wasm functions of an engine crash. An EngineCrashedError says which build trapped
// and the innermost function indices of its stack ("... in smollm-st wasm functions 276 < 966");
// the build writes its symbol map beside the module (js/wasm/<module>.js.symbols, lines
// "index:name", emcc --emit-symbol-map). The indices are only meaningful against the very
// build that crashed: run this in the checkout whose js/wasm produced the message.
//   node tools/wasm-frames.mjs "<the crash message>"
//   node tools/wasm-frames.mjs smollm-st 276 966
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const WASM_DIR = fileURLToPath(new URL('../js/wasm/', import.meta.url));
const CRASH = /in (smollm-[\w-]+) wasm functions ([\d <]+)/;

/**
 * The function names of a symbol map, by index.
 * @param {string} text the map's lines, "index:name"
 * @returns {Map<number, string>}
 */
export function parseSymbolMap(text) {
  const names = new Map();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    // The names are demangled, with the characters a wasm name section escapes written as
    // \XX (hex): "f\28int\29" is "f(int)".
    if (colon > 0) {
      names.set(Number(line.slice(0, colon)),
        line.slice(colon + 1).trim().replace(/\\([0-9a-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))));
    }
  }
  return names;
}

/**
 * The crash's frames with their names, one per line, or null when the text names no frames
 * (or the build has no symbol map here).
 * @param {string} text a crash message
 * @param {string} [wasmDir] where the builds and their maps are
 * @returns {string | null}
 */
export function symbolizeCrash(text, wasmDir = WASM_DIR) {
  const match = CRASH.exec(text);
  if (!match) return null;
  return symbolize(match[1], match[2].split('<').map((n) => Number(n.trim())), wasmDir);
}

/**
 * @param {string} wasmModule
 * @param {number[]} indices innermost first
 * @param {string} [wasmDir]
 * @returns {string | null}
 */
export function symbolize(wasmModule, indices, wasmDir = WASM_DIR) {
  const file = path.join(wasmDir, `${wasmModule}.js.symbols`);
  if (!existsSync(file)) return null;
  const names = parseSymbolMap(readFileSync(file, 'utf8'));
  return indices.map((i) => `  wasm-function[${i}] ${names.get(i) ?? '(not in the symbol map)'}`).join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const out = args.length > 1 && /^smollm-/.test(args[0])
    ? symbolize(args[0], args.slice(1).map(Number))
    : symbolizeCrash(args.join(' '));
  if (out === null) {
    console.error('usage: node tools/wasm-frames.mjs "<crash message>" | <module> <index>...; ' +
      'the message must name "in <module> wasm functions ...", and js/wasm/<module>.js.symbols must exist (build the wasm modules)');
    process.exit(2);
  }
  console.log(out);
}
