// A stand-in for the wasm module's memory exports, for testing the loader's pieces alone: a
// bump allocator over a plain Uint8Array that records what was allocated and freed, can be
// told to fail, and can "grow" (replace HEAPU8, as wasm memory growth does).
export function fakeModule({ bytes = 1 << 20 } = {}) {
  let next = 8;   // 0 is malloc's failure value
  const module = {
    HEAPU8: new Uint8Array(bytes),
    live: new Map(),        // ptr -> size
    freed: [],
    failMalloc: false,
    _malloc(size) {
      if (module.failMalloc || next + size > module.HEAPU8.length) return 0;
      const ptr = next;
      next += Math.max(8, Math.ceil(size / 8) * 8);
      module.live.set(ptr, size);
      return ptr;
    },
    _free(ptr) {
      if (!module.live.delete(ptr)) throw new Error(`free of ${ptr}, which is not allocated`);
      module.freed.push(ptr);
      if (module.live.size === 0) next = 8;   // all free: start again at the bottom
    },
    // What memory growth does: a new, larger view with the same contents.
    grow() {
      const bigger = new Uint8Array(module.HEAPU8.length * 2);
      bigger.set(module.HEAPU8);
      module.HEAPU8 = bigger;
    },
  };
  return module;
}

export function pattern(n, seed = 0) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; ++i) out[i] = (i * 31 + seed + (i >> 9)) & 0xff;
  return out;
}
