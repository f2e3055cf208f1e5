// A wasm trap (an out-of-bounds access, a call through a null table entry, unreachable) ends
// the engine: its memory can no longer be trusted. The error says where it happened, so a
// trap seen once on someone's machine (or once in a CI run) can be traced: the build that
// trapped and the innermost wasm functions of its stack, by index. Every engine writes them
// into Error.stack as `wasm-function[N]` (V8 `wasm://wasm/...:wasm-function[N]:0x..`,
// SpiderMonkey `...WebAssembly.Module:wasm-function[N]:0x..`, JavaScriptCore
// `N@<?>:wasm-function[N]`); the build's symbol map (written beside the module at link time,
// not published) names them: tools/wasm-frames.mjs.
import { EngineCrashedError } from '../errors.js';

// Enough frames to see the kernel and the engine call that reached it.
const FRAMES_KEPT = 8;

/**
 * @param {unknown} error
 * @returns {error is WebAssembly.RuntimeError}
 */
export function isWasmTrap(error) {
  return typeof WebAssembly === 'object' && error instanceof WebAssembly.RuntimeError;
}

/**
 * The wasm function indices in an error's stack, innermost first.
 * @param {unknown} error
 * @returns {number[]}
 */
export function trapFrames(error) {
  const stack = error instanceof Error ? String(error.stack ?? '') : '';
  const frames = [];
  for (const match of stack.matchAll(/wasm-function\[(\d+)\]/g)) {
    frames.push(Number(match[1]));
    if (frames.length === FRAMES_KEPT) break;
  }
  return frames;
}

/**
 * The error every later call of a trapped engine gets.
 * @param {WebAssembly.RuntimeError} trap
 * @param {string} wasmModule the build's name (smollm-st, smollm-mt-relaxed...)
 * @returns {EngineCrashedError}
 */
export function crashedError(trap, wasmModule) {
  const wasmFunctions = trapFrames(trap);
  const where = wasmFunctions.length ? ` in ${wasmModule} wasm functions ${wasmFunctions.join(' < ')}` : ` in ${wasmModule}`;
  return new EngineCrashedError(`${trap.message}${where}`, { wasmModule, wasmFunctions });
}
