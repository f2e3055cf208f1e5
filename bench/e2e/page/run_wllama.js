// Runs one benchmark pass of @wllama/wllama in the page. The harness imports this module with
// page.evaluate and calls run(job); the job and the result shapes are in ../jobs.mjs.
// Figures come from llama.cpp's own timers (timings.prompt_ms / predicted_ms), which is what
// wllama reports; wall-clock times are recorded alongside as a cross-check.
import { CacheManager, Wllama, LoggerWithoutDebug } from '/wllama/index.js';

const quietLogger = { ...LoggerWithoutDebug, log: () => {}, warn: () => {} };

// wllama keeps every download in OPFS (navigator.storage.getDirectory) before loading it, and
// refuses to start without it. Safari has OPFS; the bench's WebKit (WebKitGTK's MiniBrowser
// under WebDriver) exposes no navigator.storage, so there the download is kept in a Blob
// instead: the same bytes in memory, without OPFS's write.
class MemoryBackend {
  #files = new Map();
  isSupported() { return true; }
  async read(key) { return this.#files.get(key) ?? null; }
  async write(key, stream) { this.#files.set(key, await new Response(stream).blob()); }
  async getSize(key) { return this.#files.get(key)?.size ?? -1; }
  async list() { return [...this.#files].map(([key, blob]) => ({ key, size: blob.size })); }
  async delete(key) { this.#files.delete(key); }
}

const hasOpfs = Boolean(navigator.storage?.getDirectory);

export async function run(job) {
  const wllama = new Wllama({ default: '/wllama/wasm/wllama.wasm' },
    { logger: quietLogger, ...(hasOpfs ? {} : { cacheManager: new CacheManager([new MemoryBackend()]) }) });
  // wllama's default build needs JSPI and memory64. Where either is missing (WebKit) it runs
  // its compat build (Asyncify, 32-bit memory), which it would fetch from a CDN: served from
  // @wllama/wllama-compat here. Chromium has both; on Firefox wllama keeps the default build.
  wllama.setCompat({ wasm: '/wllama-compat/wllama.wasm', worker: '/wllama-compat/wllama.js' });
  const result = { engine: 'wllama', threadsAsked: job.threads };

  const tLoad = performance.now();
  await wllama.loadModelFromUrl(job.modelUrl, {
    n_ctx: job.contextSize,
    n_threads: job.threads,
    n_gpu_layers: 0,
    n_parallel: 1,
    useCache: false,
  });
  result.loadMs = performance.now() - tLoad;
  result.threadsUsed = wllama.getNumThreads();
  result.multiThread = wllama.isMultithread();
  result.contextSize = wllama.getLoadedContextInfo().n_ctx;

  const complete = async (prompt, maxTokens) => {
    const t0 = performance.now();
    const arrivals = [];
    let last = null;
    await wllama.createCompletion({
      prompt,
      max_tokens: maxTokens,
      n_predict: maxTokens,
      temperature: 0,
      ignore_eos: true,
      cache_prompt: false,
      logit_bias: job.bannedIds.map((id) => [id, false]),
      stream: true,
      onData: (chunk) => {
        arrivals.push(performance.now());
        last = chunk;
      },
    });
    const t1 = performance.now();
    const timings = last?.timings;
    if (!timings) throw new Error('wllama returned no timings');
    if (timings.cache_n) throw new Error(`wllama reused ${timings.cache_n} cached prompt tokens`);
    return {
      promptTokens: timings.prompt_n,
      generatedTokens: timings.predicted_n,
      prefillMs: timings.prompt_ms,
      decodeMs: timings.predicted_ms,
      wallMs: t1 - t0,
      firstChunkMs: arrivals.length ? arrivals[0] - t0 : null,
      decodeWallMs: arrivals.length > 1 ? arrivals[arrivals.length - 1] - arrivals[0] : null,
      chunks: arrivals.length,
    };
  };

  result.warmup = await complete(job.prompts.warmup.text, 2);
  result.short = await complete(job.prompts.short.text, job.decodeTokens);
  const predictedMs = longPrefillPredictionMs(job, result.short);
  if (predictedMs > job.longBudgetMs) result.longSkippedPredictedMs = predictedMs;
  else result.long = await complete(job.prompts.long.text, 1);
  result.wasmMemoryBytes = null; // read from the worker by the harness
  return result;
}

// The long prompt is skipped when the short one's rate says it would take longer than the
// job's budget (slow peers on a tight measuring window); the result says so.
function longPrefillPredictionMs(job, short) {
  return (job.prompts.long.ids.length * short.prefillMs) / short.promptTokens;
}
