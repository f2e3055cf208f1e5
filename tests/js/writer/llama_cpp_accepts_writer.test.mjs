// llama.cpp (through node-llama-cpp) loads what tools/gguf_writer writes and tokenizes with
// it exactly as with the real SmolLM2 GGUF: the writer's metadata is what llama.cpp expects.
// Run: node --test tests/js/writer/  (needs the native writer: SMOLLM_GGUF_WRITER, default
// build/gguf_writer; skips, saying so, when it or ../shared is missing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SHARED = resolve(ROOT, '../shared');
const WRITER = resolve(ROOT, process.env.SMOLLM_GGUF_WRITER || 'build/gguf_writer');
const TOKENIZER = join(SHARED, 'smollm2/tokenizer.json');
const TEMPLATE = join(SHARED, 'smollm2/chat_template.jinja');
const GOLDEN = join(SHARED, 'golden/tokenizer-golden.json');

const missingWriter = existsSync(WRITER)
  ? false
  : `SKIPPED: the native model writer ${WRITER} is missing (build it with cmake --build build --target gguf_writer, or set SMOLLM_GGUF_WRITER)`;
const missingShared = existsSync(TOKENIZER) && existsSync(GOLDEN) ? false : `SKIPPED: ${TOKENIZER} or ${GOLDEN} is missing`;
if (missingWriter) console.log(missingWriter);

const scratch = mkdtempSync(join(tmpdir(), 'smollm-writer-js-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

function writeModel(name, flags) {
  const out = join(scratch, name);
  const r = spawnSync(WRITER, [...flags, '-o', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, `gguf_writer ${flags.join(' ')} failed: ${r.stderr}`);
  assert.match(r.stdout, /^wrote .*: \d+ tensors, \d+ bytes, vocab \d+, types: /);
  return out;
}

let llamaPromise;
async function llama() {
  const { getLlama } = await import('node-llama-cpp');
  llamaPromise ??= getLlama({ gpu: false, build: 'never' });
  return llamaPromise;
}

async function greedyTokens(model, prompt, n) {
  const context = await model.createContext({ contextSize: 128 });
  try {
    const out = [];
    for await (const t of context.getSequence().evaluate(prompt, { temperature: 0 })) {
      out.push(t);
      if (out.length >= n) break;
    }
    return out;
  } finally {
    await context.dispose();
  }
}

test('a SmolLM2-tokenizer model tokenizes every golden case exactly as llama.cpp does with the real vocabulary',
  { skip: missingWriter || missingShared }, async () => {
    const path = writeModel('smollm2-q4km.gguf', [
      '--dim', '64', '--layers', '2', '--heads', '4', '--kv-heads', '2', '--ffn', '128', '--seed', '5',
      '--mix', 'q4_k_m', '--tokenizer', TOKENIZER, '--chat-template', TEMPLATE,
    ]);
    const model = await (await llama()).loadModel({ modelPath: path });
    try {
      const golden = JSON.parse(readFileSync(GOLDEN, 'utf8'));
      assert.ok(golden.cases.length >= 20);
      for (const c of golden.cases) {
        const ids = Array.from(model.tokenize(c.text, c.parse_special));
        assert.deepEqual(ids, c.ids, `tokenizing ${JSON.stringify(c.text)}`);
      }
      assert.equal(model.tokens.bos, 1);
      assert.equal(model.tokens.eos, 2);
      assert.deepEqual(Array.from(model.tokenize('<|im_start|>user\nhi<|im_end|>', true)).slice(0, 1), [1]);
      assert.equal(model.fileInfo.metadata.tokenizer.chat_template, readFileSync(TEMPLATE, 'utf8'));
      // It evaluates: greedy decoding yields in-vocabulary tokens.
      const out = await greedyTokens(model, model.tokenize('def main():'), 6);
      assert.equal(out.length, 6);
      for (const t of out) assert.ok(t >= 0 && t < 49152);
    } finally {
      await model.dispose();
    }
  });

test('a synthetic-vocabulary model in every weight format loads, round-trips text and evaluates',
  { skip: missingWriter }, async () => {
    const text = 'The quick brown fox jumps over the lazy dog, 12 times!\n  Ünïcödé ✓ 🙂';
    const formats = [['--type', 'f32'], ['--type', 'f16'], ['--type', 'bf16'], ['--type', 'q8_0'],
      ['--mix', 'q5_k_m', '--untied'], ['--mix', 'iq4_xs']];
    for (const fmt of formats) {
      const path = writeModel(`synthetic-${fmt.join('')}.gguf`, [
        '--dim', '256', '--layers', '2', '--heads', '4', '--kv-heads', '2', '--ffn', '512', '--vocab', '700', ...fmt,
      ]);
      const model = await (await llama()).loadModel({ modelPath: path });
      try {
        const ids = Array.from(model.tokenize(text));
        assert.ok(ids.length > 0 && ids.length < text.length, `${fmt}: merges shorten the text`);
        assert.equal(model.detokenize(ids), text, `${fmt}: detokenize(tokenize(text))`);
        assert.deepEqual(Array.from(model.tokenize('<|im_end|>', true)), [2]);
        const out = await greedyTokens(model, ids, 4);
        for (const t of out) assert.ok(t >= 0 && t < 700, `${fmt}: token ${t} in range`);
      } finally {
        await model.dispose();
      }
    }
  });
