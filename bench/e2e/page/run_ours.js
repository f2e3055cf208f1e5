// Runs one benchmark pass of our package (smollm-wasm) in the page. The harness imports this
// module with page.evaluate and calls run(job); the job and result shapes are in ../jobs.mjs.
// Figures come from the package's own GenerationStats; wall-clock times of the streamed
// pieces are recorded alongside as a cross-check.
import { SmolLM } from '/js/src/index.js';

export async function run(job) {
  const result = { engine: 'ours', threadsAsked: job.threads };
  const tLoad = performance.now();
  const llm = await SmolLM.load(job.modelUrl, {
    threads: job.threads,
    contextSize: job.contextSize,
    batchOrder: job.batchOrder,   // undefined: the package's default
    cache: false,
    build: job.threads === 1 ? 'single-thread' : 'multi-thread',
  });
  result.loadMs = performance.now() - tLoad;
  const info = llm.info;
  result.threadsUsed = info.threads;
  result.threadsAtOnce = info.threadsAtOnce;   // fewer than threadsUsed: cores reported or measured
  result.multiThread = info.build === 'multi-thread';
  result.build = info.build;
  result.simd = info.simd;
  result.contextSize = info.contextSize;
  result.engineMemoryBytes = info.memoryBytes;

  const bias = Object.fromEntries(job.bannedIds.map((id) => [id, -1000]));
  const banned = new Set(job.bannedIds);

  const complete = async (prompt, maxTokens) => {
    const ids = await llm.tokenize(prompt.text);
    if (ids.length !== prompt.ids.length || ids.some((id, i) => id !== prompt.ids[i])) {
      throw new Error(`our tokenizer gives ${ids.length} ids for the prompt, llama.cpp gives ${prompt.ids.length}`);
    }
    const t0 = performance.now();
    const arrivals = [];
    const tokens = [];
    for await (const piece of llm.generate(prompt.text, {
      maxTokens, temperature: 0, ignoreEos: true, logitBias: bias, addBos: false, special: false,
    })) {
      for (const t of piece.tokens) {
        arrivals.push(performance.now());
        tokens.push(t);
      }
    }
    const t1 = performance.now();
    const s = llm.stats;
    if (s.reusedTokens) throw new Error(`our engine reused ${s.reusedTokens} cached prompt tokens`);
    const bad = tokens.find((t) => banned.has(t));
    if (bad !== undefined) throw new Error(`our engine sampled banned token ${bad}: the logit bias was ignored`);
    return {
      promptTokens: s.promptTokens,
      generatedTokens: s.completionTokens,
      prefillMs: s.prefillMs,
      decodeMs: s.decodeMs,
      wallMs: t1 - t0,
      firstChunkMs: arrivals.length ? arrivals[0] - t0 : null,
      decodeWallMs: arrivals.length > 1 ? arrivals[arrivals.length - 1] - arrivals[0] : null,
      chunks: arrivals.length,
    };
  };

  result.warmup = await complete(job.prompts.warmup, 2);
  result.short = await complete(job.prompts.short, job.decodeTokens);
  const predictedMs = longPrefillPredictionMs(job, result.short);
  if (predictedMs > job.longBudgetMs) result.longSkippedPredictedMs = predictedMs;
  else result.long = await complete(job.prompts.long, 1);
  result.wasmMemoryBytes = (await llm.memoryUsage()).wasmBytes;
  globalThis.__benchModel = llm; // kept alive until the browser closes, like wllama's
  return result;
}

// The long prompt is skipped when the short one's rate says it would take longer than the
// job's budget (slow peers on a tight measuring window); the result says so.
function longPrefillPredictionMs(job, short) {
  return (job.prompts.long.ids.length * short.prefillMs) / short.promptTokens;
}
