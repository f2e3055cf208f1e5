// `smollm-wasm inspect FILE.gguf`: what a GGUF holds, from its header alone (the weights are
// never read), parsed by the wasm build's incremental reader.
import { open } from 'node:fs/promises';
import { InvalidModelError, formatBytes, fromEngineError } from '../errors.js';
import { createModule } from '../wasm-module.js';
import { UsageError } from './model-options.js';

/** @typedef {import('../wasm-module-types.js').SmolLMModule} SmolLMModule */
/** @typedef {import('../wasm-module-types.js').ProbeResult} ProbeResult */
/** @typedef {import('../wasm-module-types.js').GgufMetadataValue} GgufMetadataValue */

/** @type {Record<number, string>} */
const TOKEN_TYPES = { 1: 'normal', 2: 'unknown', 3: 'control', 4: 'user-defined', 5: 'unused', 6: 'byte' };

/**
 * Feeds growing prefixes to the reader until it has the whole header.
 * @param {SmolLMModule} module
 * @param {string} path
 * @returns {Promise<Extract<ProbeResult, {status: 'complete'}> & {size: number}>}
 */
async function readHeader(module, path) {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    let want = Math.min(size, 1024 * 1024);
    for (;;) {
      const ptr = module._malloc(Math.max(1, want)) >>> 0;
      // A failed malloc returns 0: reading the file there would overwrite the start of memory.
      if (ptr === 0) throw new InvalidModelError(`${path}: its GGUF header (${formatBytes(want)} read so far) does not fit in wasm memory`);
      try {
        const view = module.HEAPU8.subarray(ptr, ptr + want);
        const { bytesRead } = await handle.read(view, 0, want, 0);
        const r = module.probeHeader(ptr, bytesRead, size, 0, 'f16', 'f16', 0, true);
        if (r.status === 'complete') return { size, ...r };
        if (r.status === 'error') throw fromEngineError(r.error, path);
        if (want >= size) throw new InvalidModelError(`${path} is truncated inside its GGUF header`);
        want = Math.min(size, Math.max(r.bytesNeeded, want * 2));
      } finally {
        module._free(ptr);
      }
    }
  } finally {
    await handle.close();
  }
}

/** @param {GgufMetadataValue | undefined} value */
function show(value) {
  if (value && typeof value === 'object' && 'array' in value) return `[${value.array} x ${value.length}]`;
  if (Array.isArray(value)) return JSON.stringify(value);
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * @param {{json?: boolean, model?: string}} values
 * @param {string[]} positionals
 */
export async function inspect(values, positionals) {
  const path = positionals[0] ?? values.model;
  if (!path) throw new UsageError('usage: smollm-wasm inspect FILE.gguf [--json]');
  const module = await createModule('single-thread', 1);
  const r = await readHeader(module, path);
  const { header } = r;
  const tensors = header.tensors ?? [];
  /** @type {Record<string, {count: number, bytes: number}>} */
  const histogram = {};
  for (const t of tensors) {
    histogram[t.type] ??= { count: 0, bytes: 0 };
    histogram[t.type].count += 1;
    histogram[t.type].bytes += t.bytes;
  }
  const meta = header.metadata;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({
      file: path, bytes: r.size, version: header.version, metadata: meta, tensorCount: header.tensor_count,
      tensorTypes: histogram, vocabSize: header.vocab_size, specialTokens: header.special_tokens,
      chatTemplate: meta['tokenizer.chat_template'] ?? null, engine: r.plan ?? { unsupported: r.planError?.message },
    }, null, 2)}\n`);
    return;
  }
  const arch = String(meta['general.architecture'] ?? '(none)');
  const out = [];
  out.push(`file: ${path} (${formatBytes(r.size)}, ${r.size} bytes)`);
  out.push(`GGUF v${header.version}, alignment ${header.alignment}, data at byte ${header.data_offset} (${formatBytes(header.data_size)})`);
  out.push(`architecture: ${arch}`);
  for (const [key, value] of Object.entries(meta)) {
    if (key.startsWith(`${arch}.`)) out.push(`  ${key.slice(arch.length + 1)}: ${show(value)}`);
  }
  const general = Object.entries(meta).filter(([k]) => k.startsWith('general.') && k !== 'general.architecture');
  if (general.length) {
    out.push('general:');
    for (const [key, value] of general) out.push(`  ${key.slice(8)}: ${show(value)}`);
  }
  const total = tensors.reduce((a, t) => a + t.bytes, 0);
  out.push(`tensors: ${header.tensor_count} (${formatBytes(total)})`);
  out.push(`  ${'type'.padEnd(8)} ${'count'.padStart(6)} ${'bytes'.padStart(14)}`);
  for (const [type, { count, bytes }] of Object.entries(histogram).sort((a, b) => b[1].bytes - a[1].bytes)) {
    out.push(`  ${type.padEnd(8)} ${String(count).padStart(6)} ${String(bytes).padStart(14)}  (${formatBytes(bytes)})`);
  }
  out.push(`tokenizer: model ${meta['tokenizer.ggml.model'] ?? '(none)'}, pre-tokenizer ${meta['tokenizer.ggml.pre'] ?? '(none)'}, vocab size ${header.vocab_size}`);
  const merges = meta['tokenizer.ggml.merges'];
  if (merges) out.push(`  merges: ${typeof merges === 'object' ? merges.length : 0}`);
  for (const key of Object.keys(meta).filter((k) => /^tokenizer\.ggml\.(.*_token_id|add_.*_token)$/.test(k))) {
    out.push(`  ${key.slice(15)}: ${show(meta[key])}`);
  }
  out.push(`  special tokens (${header.special_tokens.length}):`);
  for (const t of header.special_tokens) {
    out.push(`    ${String(t.id).padStart(6)}  ${JSON.stringify(t.text)}  ${TOKEN_TYPES[t.type] ?? ''}`);
  }
  const template = meta['tokenizer.chat_template'];
  out.push(template ? `chat template:\n${template}` : 'chat template: (none: ChatML is used)');
  out.push(r.plan
    ? `engine: supported; needs ${formatBytes(r.plan.totalBytes)} of wasm memory at the default context ` +
      `(KV cache ${formatBytes(r.plan.kvCacheBytes)}, scratch ${formatBytes(r.plan.scratchBytes)})`
    : `engine: cannot run this file: ${r.planError?.message}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

/** @type {import('./flags.js').Command} */
export const INSPECT = {
  synopsis: 'inspect FILE.gguf [--json]',
  summary: 'What a GGUF file holds, read from its header alone (the weights are never read): hyperparameters,\n' +
    'tensor types, tokenizer, special tokens, chat template, and whether this engine can run it.',
  flagGroups: [['Options', { json: { type: 'boolean', doc: 'print it all as one JSON object' } }]],
  run: inspect,
};
