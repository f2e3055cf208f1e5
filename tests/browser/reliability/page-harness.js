// The page side of the browser reliability suite: every scenario runs here, inside the page,
// and returns plain data (errors as {name, message}) for the Node test to assert on. The
// Worker constructor is wrapped first so the page can count the engine workers still alive:
// a worker that outlives its engine (after an abort or unload) is a leak.
import { replaceStoredBytes, storedEntry } from '../cache/stored-entry.js';
const NativeWorker = globalThis.Worker;
const live = new Set();
globalThis.Worker = class CountedWorker extends NativeWorker {
  constructor(...args) {
    super(...args);
    live.add(this);
  }

  terminate() {
    live.delete(this);
    super.terminate();
  }
};

const { SmolLM, cache } = await import('/js/src/index.js');

const PROMPT = 'the quick brown fox';
const plainError = (e) => (e ? { name: e.name, message: e.message } : null);

async function greedy(llm, prompt = PROMPT, maxTokens = 12) {
  let text = '';
  for await (const piece of llm.generate(prompt, { temperature: 0, maxTokens, ignoreEos: true })) text += piece.text;
  return text;
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// Loads, generates greedily and unloads; never throws. `events` keeps every progress event.
async function loadAndGreedy(url, options = {}) {
  const events = [];
  const warnings = [];
  const t0 = performance.now();
  let llm = null;
  try {
    llm = await SmolLM.load(url, {
      threads: 1, retries: 3, stallTimeoutMs: 800, ...options,
      onProgress: (p) => events.push(p), onWarning: (w) => warnings.push(plainError(w)),
    });
    const text = await greedy(llm);
    return { text, events, warnings, build: llm.info.build, ms: performance.now() - t0, error: null };
  } catch (e) {
    return { text: null, events, warnings, ms: performance.now() - t0, error: plainError(e) };
  } finally {
    await llm?.unload();
  }
}

// SHA-256 of the package's cache entry of `url` (null when there is none), and its recorded
// size, in whichever store the package uses in this browser.
async function cachedEntry(url) {
  const stored = await storedEntry(url);
  if (!stored) return null;
  return { sha256: hex(await crypto.subtle.digest('SHA-256', stored.bytes)), bytes: stored.bytes.byteLength, sizeHeader: stored.recordedBytes };
}

// Replaces the cached copy of `url` by the same bytes with one byte flipped, keeping the
// entry's recorded size, so only a checksum can tell.
async function corruptCachedEntry(url, at) {
  const { bytes } = await storedEntry(url);
  bytes[at] ^= 0xff;
  await replaceStoredBytes(url, bytes);
  return hex(await crypto.subtle.digest('SHA-256', bytes));
}

// Aborts `count` loads of throttled downloads after 1..20 ms each.
async function abortDownloads(urls) {
  let aborted = 0;
  let completed = 0;
  const other = [];
  for (let i = 0; i < urls.length; ++i) {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1 + (i * 7) % 20);
    try {
      const llm = await SmolLM.load(urls[i], { threads: 1, cache: false, signal: controller.signal });
      completed += 1;
      await llm.unload();
    } catch (e) {
      if (e?.name === 'AbortError') aborted += 1;
      else other.push(plainError(e));
    }
  }
  return { aborted, completed, other, liveWorkers: live.size };
}

// `count` aborted prefills (a long prompt, aborted after 0-2 ms) and `count` aborted decodes
// (after two pieces) on one engine, with the greedy text checked after each batch.
async function abortGeneration(url, count) {
  const llm = await SmolLM.load(url, { threads: 1, cache: false });
  const counts = { prefill: 0, prefillFinished: 0, decode: 0, other: [] };
  const texts = [];
  try {
    const longPrompt = `${PROMPT} `.repeat(60);
    for (let i = 0; i < count; ++i) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), i % 3);
      try {
        for await (const piece of llm.generate(longPrompt, { maxTokens: 4, signal: controller.signal })) void piece;
        counts.prefillFinished += 1;
      } catch (e) {
        if (e?.name === 'AbortError') counts.prefill += 1;
        else counts.other.push(plainError(e));
      }
    }
    texts.push(await greedy(llm));
    for (let i = 0; i < count; ++i) {
      const controller = new AbortController();
      let pieces = 0;
      try {
        for await (const piece of llm.generate(PROMPT, { maxTokens: 400, ignoreEos: true, temperature: 0.8, seed: i, signal: controller.signal })) {
          void piece;
          if (++pieces === 2) controller.abort();
        }
        counts.other.push({ name: 'NoAbort', message: `decode ${i} finished without AbortError` });
      } catch (e) {
        if (e?.name === 'AbortError') counts.decode += 1;
        else counts.other.push(plainError(e));
      }
    }
    texts.push(await greedy(llm));
  } finally {
    await llm.unload();
  }
  return { ...counts, texts, liveWorkers: live.size };
}

// performance.memory (Chromium only) after a collection when gc() is exposed.
async function jsHeap() {
  for (let i = 0; i < 3; ++i) {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  return performance.memory ? performance.memory.usedJSHeapSize : null;
}

// One load + generate + unload, returning what the engine reported about its wasm memory.
async function cycle(url) {
  const llm = await SmolLM.load(url, { threads: 1 });
  const text = await greedy(llm, PROMPT, 4);
  const { wasmBytes } = await llm.memoryUsage();
  await llm.unload();
  return { text, wasmBytes };
}

// Loads the same URL twice at once (two engines in this page), generates with both.
async function twoEngines(url, options = {}) {
  const llms = await Promise.all([0, 1].map(() => SmolLM.load(url, { threads: 1, ...options })));
  try {
    const texts = [];
    for (const llm of llms) texts.push(await greedy(llm));
    return { texts, liveWorkers: live.size };
  } finally {
    await Promise.all(llms.map((l) => l.unload()));
  }
}

globalThis.rel = {
  loadAndGreedy, cachedEntry, corruptCachedEntry, abortDownloads, abortGeneration, jsHeap, cycle,
  twoEngines, liveWorkers: () => live.size, clearCache: () => cache.clear(),
};
globalThis.ready = true;
