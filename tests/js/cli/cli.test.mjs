// The smollm-wasm command line, run as a user would (a child process), on writer models.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT, haveShared, smolModel } from '../package/support/models.mjs';

const CLI = join(ROOT, 'js/bin/smollm-wasm.js');
const run = promisify(execFile);
const skip = haveShared ? false : '../shared/smollm2/tokenizer.json is absent';

async function cli(args, { input } = {}) {
  if (input === undefined) return run(process.execPath, [CLI, ...args], { maxBuffer: 1 << 28 });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(stderr))));
    child.stdin.end(input);
  });
}

function logSoftmaxAt(row, id) {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return row[id] - max - Math.log(sum);
}

describe('smollm-wasm CLI', { skip }, () => {
  let model;
  let dir;
  before(() => {
    model = smolModel();
    dir = mkdtempSync(join(tmpdir(), 'smollm-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('inspect prints hyperparameters, the type histogram, the tokenizer and the template', async () => {
    const { stdout } = await cli(['inspect', model]);
    assert.match(stdout, /architecture: llama/);
    assert.match(stdout, /embedding_length: 64\b/);
    assert.match(stdout, /block_count: 2\b/);
    assert.match(stdout, /attention\.head_count_kv: 2\b/);
    assert.match(stdout, /tensors: \d+ /);
    assert.match(stdout, /^ {2}F32 +\d+ +\d+/m);
    assert.match(stdout, /tokenizer: model gpt2, pre-tokenizer smollm, vocab size 49152/);
    assert.match(stdout, /"<\|im_start\|>"/);
    assert.match(stdout, /chat template:\n.*im_start/);
    const json = JSON.parse((await cli(['inspect', model, '--json'])).stdout);
    const counted = Object.values(json.tensorTypes).reduce((a, t) => a + t.count, 0);
    assert.equal(counted, json.tensorCount);
  });

  test('inspect of a file that is not a GGUF fails with the reason', async () => {
    const bad = join(dir, 'bad.gguf');
    writeFileSync(bad, 'hello, world: this is not a model file at all');
    await assert.rejects(() => cli(['inspect', bad]), (e) => /not a GGUF/.test(e.stderr ?? e.message) && e.code === 1);
  });

  test('eval prints each position\'s top logits and dumps every logit as float32', async () => {
    const out = join(dir, 'logits.f32');
    const tokens = [28, 1303, 17, 905, 42];
    const { stdout } = await cli(['eval', '-m', model, '--tokens', tokens.join(','), '--top', '5', '--threads', '2', '--dump-logits', out]);
    const { positions } = JSON.parse(stdout);
    assert.deepEqual(positions.map((p) => p.pos), [0, 1, 2, 3, 4]);
    const dump = readFileSync(out);
    const nVocab = 49152;
    assert.equal(dump.length, tokens.length * nVocab * 4);
    const logits = new Float32Array(dump.buffer, dump.byteOffset, dump.length / 4);
    for (const { pos, top } of positions) {
      assert.equal(top.length, 5);
      const row = logits.subarray(pos * nVocab, (pos + 1) * nVocab);
      const sorted = Array.from(row, (v, id) => [id, v]).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 5);
      assert.deepEqual(top, sorted);
    }
    const single = JSON.parse((await cli(['eval', '-m', model, '--tokens', tokens.join(','), '--threads', '1'])).stdout);
    assert.deepEqual(single.positions, JSON.parse((await cli(['eval', '-m', model, '--tokens', tokens.join(','), '--top', '10'])).stdout).positions);
  });

  test('perplexity follows llama.cpp\'s method (checked against eval\'s logits)', async () => {
    const text = join(dir, 'text.py');
    writeFileSync(text, 'def add(a, b):\n    return a + b\n\n\nclass Point:\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n'.repeat(3));
    const ctx = 16;
    const { stdout } = await cli(['perplexity', '-m', model, '-f', text, '--ctx', String(ctx)]);
    const m = /PPL = (\d+\.\d+) \+\/- (\d+\.\d+)/.exec(stdout);
    assert.ok(m, stdout);
    const ids = JSON.parse((await cli(['tokenize', '-m', model, '-'], { input: readFileSync(text, 'utf8') })).stdout);
    const chunks = Math.floor(ids.length / ctx);
    assert.match(stdout, new RegExp(`chunks: ${chunks}\\b`));
    let nll = 0;
    let count = 0;
    for (let c = 0; c < chunks; ++c) {
      const chunk = ids.slice(c * ctx, (c + 1) * ctx);
      const out = join(dir, `chunk${c}.f32`);
      await cli(['eval', '-m', model, '--tokens', chunk.join(','), '--top', '1', '--dump-logits', out]);
      const dump = readFileSync(out);
      const logits = new Float32Array(dump.buffer, dump.byteOffset, dump.length / 4);
      const nVocab = logits.length / ctx;
      for (let j = ctx / 2 + 1; j < ctx; ++j) {
        nll -= logSoftmaxAt(logits.subarray((j - 1) * nVocab, j * nVocab), chunk[j]);
        count += 1;
      }
    }
    const expected = Math.exp(nll / count);
    assert.ok(Math.abs(Number(m[1]) - expected) / expected < 1e-3, `PPL ${m[1]} vs ${expected}`);
  });

  test('tokenize and detokenize round-trip, from an argument and from stdin', async () => {
    const text = 'print("héllo")  # 123';
    const ids = JSON.parse((await cli(['tokenize', '-m', model, text])).stdout);
    assert.ok(Array.isArray(ids) && ids.every(Number.isInteger));
    assert.deepEqual(JSON.parse((await cli(['tokenize', '-m', model, '-'], { input: text })).stdout), ids);
    assert.equal((await cli(['detokenize', '-m', model, ids.join(',')])).stdout, `${text}\n`);
    const special = JSON.parse((await cli(['tokenize', '-m', model, '--special', '<|im_start|>'])).stdout);
    assert.deepEqual(special, [1]);
  });

  test('generate streams a reproducible greedy completion', async () => {
    const args = ['generate', '-m', model, '-p', 'def main():', '-n', '12', '--temperature', '0', '--ignore-eos'];
    const a = await cli(args);
    const b = await cli([...args, '--threads', '1']);
    assert.equal(a.stdout, b.stdout);
    assert.match(a.stderr, /12 generated/);
  });

  test('bad flags are usage errors (exit code 2)', async () => {
    await assert.rejects(() => cli(['eval', '-m', model, '--tokens', 'a,b']), (e) => e.code === 2 && /comma-separated/.test(e.stderr));
    await assert.rejects(() => cli(['eval', '-m', model, '--tokens', '1,2', '--batch-size', '0']), (e) => e.code === 2 && /--batch-size/.test(e.stderr));
    await assert.rejects(() => cli(['generate', '-m', model]), (e) => e.code === 2 && /-p TEXT/.test(e.stderr));
    await assert.rejects(() => cli(['frobnicate']), (e) => e.code === 2);
  });
});
