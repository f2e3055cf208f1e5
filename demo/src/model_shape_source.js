// A model's shape (gguf_shape.js) before it loads: from the first bytes of a local file, or of
// a URL through Range requests (a server that ignores Range is read only as far as needed,
// then the rest of its answer is cancelled). Shapes of URLs are remembered in localStorage, so
// an offline visit still shows the figures of a model seen before.
import { readShape } from './gguf_shape.js';

const SHAPES_KEY = 'smollm-demo-model-shapes';
const MAX_REMEMBERED = 20;

// Bytes [from, to] of a URL (fewer at its end). A server that ignores Range answers 200 with
// the whole file: its first `from` bytes are skipped and the rest of its answer cancelled.
async function urlRange(url, from, to, signal) {
  // no-store: a partial answer kept in the HTTP cache must never stand in for the model's
  // own download (the shape is remembered below instead).
  const response = await fetch(url, { headers: { Range: `bytes=${from}-${to}` }, cache: 'no-store', signal });
  if (response.status === 416) return new Uint8Array(0); // the file ends before `from`
  if (!response.ok) throw new Error(`HTTP ${response.status} for the model's header`);
  let skip = response.status === 206 ? 0 : from;
  const out = new Uint8Array(to + 1 - from);
  let length = 0;
  const reader = response.body.getReader();
  try {
    while (length < out.byteLength) {
      const { done, value } = await reader.read();
      if (done) break;
      const piece = value.subarray(Math.min(skip, value.byteLength));
      skip -= value.byteLength - piece.byteLength;
      const take = Math.min(piece.byteLength, out.byteLength - length);
      out.set(piece.subarray(0, take), length);
      length += take;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return out.subarray(0, length);
}

// readShape asks for growing prefixes: each request fetches only the bytes not yet held.
export function urlPrefixReader(url, signal) {
  let held = new Uint8Array(0);
  return async (n) => {
    if (held.byteLength < n) {
      const more = await urlRange(url, held.byteLength, n - 1, signal);
      const grown = new Uint8Array(held.byteLength + more.byteLength);
      grown.set(held);
      grown.set(more, held.byteLength);
      held = grown;
    }
    return held.subarray(0, Math.min(n, held.byteLength));
  };
}

async function filePrefix(file, n) {
  return new Uint8Array(await file.slice(0, n).arrayBuffer());
}

function remembered() {
  try {
    const parsed = JSON.parse(localStorage.getItem(SHAPES_KEY) ?? '{}');
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

function remember(url, shape) {
  try {
    const all = remembered();
    delete all[url];
    all[url] = shape;
    const urls = Object.keys(all);
    for (const old of urls.slice(0, Math.max(0, urls.length - MAX_REMEMBERED))) delete all[old];
    localStorage.setItem(SHAPES_KEY, JSON.stringify(all));
  } catch {
    // Only a convenience.
  }
}

/**
 * @param {string | Blob} source a model URL or a local file
 * @param {AbortSignal} [signal]
 */
export async function shapeOf(source, signal) {
  if (typeof source !== 'string') return readShape((n) => filePrefix(source, n));
  const url = new URL(source, location.href).href;
  const known = remembered()[url];
  if (known) return known;
  const shape = await readShape(urlPrefixReader(url, signal));
  remember(url, shape);
  return shape;
}
