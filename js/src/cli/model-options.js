// Options shared by the commands that load a model, and the loading itself (on this
// thread: the CLI process is already the engine's process).
import { SmolLM } from '../smollm.js';
import { progressBar } from './progress-bar.js';

export const MODEL_OPTIONS = {
  model: { type: 'string', short: 'm' },
  threads: { type: 'string', short: 't' },
  ctx: { type: 'string', short: 'c' },
  'no-cache': { type: 'boolean' },
  'single-thread': { type: 'boolean' },
};

export const SAMPLING_OPTIONS = {
  'max-tokens': { type: 'string', short: 'n' },
  temperature: { type: 'string' },
  temp: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  'min-p': { type: 'string' },
  'repeat-penalty': { type: 'string' },
  'presence-penalty': { type: 'string' },
  'frequency-penalty': { type: 'string' },
  seed: { type: 'string', short: 's' },
  stop: { type: 'string', multiple: true },
  'ignore-eos': { type: 'boolean' },
};

export class UsageError extends Error {}

export function number(values, key, { integer = false, min = -Infinity } = {}) {
  const raw = values[key];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
    throw new UsageError(`--${key} expects ${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}, got "${raw}"`);
  }
  return n;
}

export function samplingFrom(values) {
  return {
    maxTokens: number(values, 'max-tokens', { integer: true, min: 1 }),
    temperature: number(values, 'temperature', { min: 0 }) ?? number(values, 'temp', { min: 0 }),
    topK: number(values, 'top-k', { integer: true, min: 0 }),
    topP: number(values, 'top-p', { min: 0 }),
    minP: number(values, 'min-p', { min: 0 }),
    repeatPenalty: number(values, 'repeat-penalty', { min: 0 }),
    presencePenalty: number(values, 'presence-penalty'),
    frequencyPenalty: number(values, 'frequency-penalty'),
    seed: number(values, 'seed', { integer: true, min: 0 }),
    stop: values.stop,
    ignoreEos: values['ignore-eos'] || undefined,
  };
}

// worker: run the engine in a worker thread (serve); quiet: no progress bar.
export async function loadModel(values, { contextSize, worker = false, quiet = false } = {}) {
  if (!values.model) throw new UsageError('-m FILE (the .gguf model) is required');
  const bar = quiet ? Object.assign(() => {}, { done: () => {} }) : progressBar();
  try {
    return await SmolLM.load(values.model, {
      worker,
      threads: number(values, 'threads', { integer: true, min: 1 }),
      contextSize: contextSize ?? number(values, 'ctx', { integer: true, min: 1 }),
      cache: !values['no-cache'],
      build: values['single-thread'] ? 'single-thread' : undefined,
      onProgress: bar,
      onWarning: (w) => process.stderr.write(`warning: ${w.message}\n`),
    });
  } finally {
    bar.done();
  }
}
