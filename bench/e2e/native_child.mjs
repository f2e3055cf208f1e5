// One benchmark pass of native llama.cpp (node-llama-cpp, CPU, prebuilt binary) in a process
// of its own, so its peak RSS is its own. Reads the job as JSON from argv[2], prints the
// result as one JSON line on stdout. Same job and result shapes as the page runners.
//
// Timing: prefill = from the evaluate call to the first sampled token; decode = from the
// first to the last sampled token, (n - 1) forward passes. That matches what llama.cpp's
// timers (wllama) and our GenerationStats measure.
import { readFileSync } from 'node:fs';
import { getLlama, TokenBias } from 'node-llama-cpp';

const job = JSON.parse(process.argv[2]);

function peakRssBytes() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : null;
}

const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const result = { engine: 'native', threadsAsked: job.threads, systemInfo: llama.systemInfo };

const tLoad = performance.now();
// No mmap: the whole file is read and prepared during the load, as the wasm engines must.
const model = await llama.loadModel({ modelPath: job.modelPath, gpuLayers: 0, useMmap: false });
const context = await model.createContext({
  contextSize: job.contextSize,
  threads: { ideal: job.threads, min: job.threads },
  batchSize: 512,
  sequences: 1,
});
result.loadMs = performance.now() - tLoad;
result.threadsUsed = context.currentThreads;
result.contextSize = context.contextSize;
result.multiThread = job.threads > 1;

const sequence = context.getSequence();
const bias = new TokenBias(model.tokenizer);
for (const id of job.bannedIds) bias.set(id, 'never');
const banned = new Set(job.bannedIds);

async function complete(prompt, maxTokens) {
  const ids = model.tokenize(prompt.text);
  if (ids.length !== prompt.ids.length || ids.some((id, i) => id !== prompt.ids[i])) {
    throw new Error(`llama.cpp tokenizes the prompt into ${ids.length} ids, expected ${prompt.ids.length}`);
  }
  await sequence.clearHistory();
  const t0 = performance.now();
  const arrivals = [];
  for await (const token of sequence.evaluate(ids, { temperature: 0, tokenBias: bias })) {
    arrivals.push(performance.now());
    if (banned.has(token)) throw new Error(`llama.cpp sampled banned token ${token}`);
    if (arrivals.length >= maxTokens) break;
  }
  const first = arrivals[0];
  const last = arrivals[arrivals.length - 1];
  return {
    promptTokens: ids.length,
    generatedTokens: arrivals.length,
    prefillMs: first - t0,
    decodeMs: last - first,
    wallMs: last - t0,
    firstChunkMs: first - t0,
    decodeWallMs: last - first,
    chunks: arrivals.length,
  };
}

result.warmup = await complete(job.prompts.warmup, 2);
result.short = await complete(job.prompts.short, job.decodeTokens);
const predictedMs = (job.prompts.long.ids.length * result.short.prefillMs) / result.short.promptTokens;
if (predictedMs > job.longBudgetMs) result.longSkippedPredictedMs = predictedMs;
else result.long = await complete(job.prompts.long, 1);
result.wasmMemoryBytes = null;
await context.dispose();
await model.dispose();
result.peakRssBytes = peakRssBytes();
process.stdout.write(JSON.stringify(result) + '\n');
