// The benchmark's model files: the SmolLM2-1.7B shape with random weights, written by our
// own gguf_writer in each quantization, cached in bench/models/ (gitignored). A sidecar
// .args.json records the writer arguments, so a file is rebuilt only when they change.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const SHAPES = {
  // SmolLM2-1.7B (../shared/smollm2/MODELS.md): tied embeddings, SmolLM2 vocabulary.
  'smollm2-1.7b': { dim: 2048, layers: 24, heads: 32, kvHeads: 32, ffn: 8192, ropeTheta: 130000, context: 8192 },
  // A small file of the same family, to debug the harness quickly.
  'tiny': { dim: 256, layers: 2, heads: 4, kvHeads: 2, ffn: 768, ropeTheta: 100000, context: 2048 },
};

// Benchmark name -> writer flags. Mixes follow llama.cpp's per-tensor rules in the writer.
export const QUANTS = {
  Q4_K_M: ['--mix', 'q4_k_m'],
  Q5_K_M: ['--mix', 'q5_k_m'],
  IQ4_XS: ['--mix', 'iq4_xs'],
  Q8_0: ['--type', 'q8_0'],
};

export function writerArgs(shape, quant, tokenizerJson, threads) {
  const s = SHAPES[shape];
  if (!s) throw new Error(`unknown shape ${shape} (${Object.keys(SHAPES).join(', ')})`);
  if (!QUANTS[quant]) throw new Error(`unknown quantization ${quant} (${Object.keys(QUANTS).join(', ')})`);
  return [
    '--dim', String(s.dim), '--layers', String(s.layers), '--heads', String(s.heads),
    '--kv-heads', String(s.kvHeads), '--ffn', String(s.ffn), '--rope-theta', String(s.ropeTheta),
    '--context', String(s.context), '--tied', '--seed', '1', '--tokenizer', tokenizerJson,
    '--name', `bench-${shape}-${quant}`, '--threads', String(threads), ...QUANTS[quant],
  ];
}

// KV cache bytes at f16 (llama.cpp's default cache type) for `contextSize` tokens.
export function kvCacheBytes(shape, contextSize) {
  const s = SHAPES[shape === GOLDEN_TINY ? 'tiny' : shape];
  const headDim = s.dim / s.heads;
  return 2 * s.layers * contextSize * s.kvHeads * headDim * 2;
}

// llama.cpp-quantized tiny files from ../shared, to debug the harness without the writer.
export const GOLDEN_TINY = 'golden-tiny';

/** Returns the path of the cached (or freshly written) model file. */
export function ensureModel({ writer, modelsDir, shape, quant, tokenizerJson, threads, regenerate, log }) {
  if (shape === GOLDEN_TINY) {
    const golden = path.resolve(path.dirname(tokenizerJson), '../golden/models', `tiny-a-${quant}.gguf`);
    if (!existsSync(golden)) throw new Error(`${golden} is missing (../shared not present?)`);
    return golden;
  }
  mkdirSync(modelsDir, { recursive: true });
  const file = path.join(modelsDir, `${shape}-${quant}.gguf`);
  const sidecar = `${file}.args.json`;
  const args = writerArgs(shape, quant, tokenizerJson, threads);
  // Thread count does not change the bytes written, so it is left out of the cache key.
  const key = JSON.stringify(args.filter((a, i) => a !== '--threads' && args[i - 1] !== '--threads'));
  if (!regenerate && existsSync(file) && existsSync(sidecar) && readFileSync(sidecar, 'utf8') === key) {
    return file;
  }
  if (!existsSync(writer)) {
    throw new Error(`model writer not found at ${writer}: build it (cmake --build <dir> --target gguf_writer) or set SMOLLM_GGUF_WRITER`);
  }
  log(`writing ${path.basename(file)} with ${writer} ...`);
  const t0 = performance.now();
  const tmp = `${file}.partial`;
  const r = spawnSync(writer, ['-o', tmp, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    throw new Error(`gguf_writer failed (${r.status ?? r.signal}) for ${quant}: ${(r.stderr || r.stdout || '').trim()}`);
  }
  renameSync(tmp, file);
  writeFileSync(sidecar, key);
  log(`  ${r.stdout.trim()} (${((performance.now() - t0) / 1000).toFixed(0)} s, ${(statSync(file).size / 2 ** 30).toFixed(2)} GiB)`);
  return file;
}
