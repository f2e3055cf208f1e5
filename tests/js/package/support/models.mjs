// Test models, generated with the project's model writer (tools/gguf_writer) and kept in a
// temporary directory between runs (keyed by their flags). Nothing large is committed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SHARED = resolve(ROOT, '../shared');
export const SMOLLM2_TOKENIZER = join(SHARED, 'smollm2/tokenizer.json');
const MODEL_DIR = join(tmpdir(), 'smollm-wasm-test-models');

function writerBinary() {
  const candidates = [process.env.SMOLLM_GGUF_WRITER, join(ROOT, 'build/gguf_writer'), join(ROOT, 'build-js/gguf_writer')];
  const found = candidates.find((p) => p && existsSync(p));
  if (found) return found;
  // Build it natively (a one-time cost) in this suite's own build directory.
  execFileSync('cmake', ['-B', join(ROOT, 'build-js'), '-S', ROOT, '-DSMOLLM_BUILD_TESTS=OFF'], { stdio: 'ignore' });
  execFileSync('cmake', ['--build', join(ROOT, 'build-js'), '-j2', '--target', 'gguf_writer'], { stdio: 'ignore' });
  return join(ROOT, 'build-js/gguf_writer');
}

/**
 * Path of a model written with the given writer flags, e.g. {dim: 64, layers: 2, type: 'f32'}.
 * Keys become --kebab-case flags; `true` becomes a bare flag.
 */
export function model(flags) {
  const args = [];
  for (const [key, value] of Object.entries(flags)) {
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (value === true) args.push(flag);
    else args.push(flag, String(value));
  }
  // A flag that names a file (a tokenizer, a chat template) is keyed by the file's contents,
  // not its path: tests write such files into fresh temporary directories, and a path key
  // cached a new model on every run (and would reuse a stale one after the file changed).
  const keyed = args.map((a) => (isAbsolute(a) && existsSync(a) && statSync(a).isFile()
    ? `file:${createHash('sha256').update(readFileSync(a)).digest('hex')}` : a));
  const key = createHash('sha256').update(JSON.stringify(keyed)).digest('hex').slice(0, 16);
  const out = join(MODEL_DIR, `${key}.gguf`);
  if (existsSync(out) && statSync(out).size > 0) return out;
  mkdirSync(MODEL_DIR, { recursive: true });
  // Written under a name of this process, then renamed: test files run in parallel (and other
  // checkouts share the directory), so another process may be writing the same model, and a
  // half-written file must never be seen under the final name.
  const partial = `${out}.${process.pid}.partial`;
  execFileSync(writerBinary(), [...args, '--output', partial], { stdio: ['ignore', 'ignore', 'inherit'] });
  renameSync(partial, out);
  return out;
}

// A small model with the real SmolLM2 tokenizer and chat template (needs ../shared).
export function smolModel(extra = {}) {
  return model({ dim: 64, layers: 2, heads: 4, kvHeads: 2, ffn: 128, tokenizer: SMOLLM2_TOKENIZER, seed: 7, type: 'f32', ...extra });
}

// A small model with the writer's synthetic vocabulary (no ../shared needed).
export function syntheticModel(extra = {}) {
  return model({ dim: 64, layers: 2, heads: 4, kvHeads: 2, ffn: 128, seed: 3, type: 'f32', ...extra });
}

export const haveShared = existsSync(SMOLLM2_TOKENIZER);
