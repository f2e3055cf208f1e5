// Every generation field of the table is accepted by LocalEngine.generate and does what it
// says (one probe per field; a field added to the table without a probe fails here), and a
// bad value is an InvalidArgumentError naming the field.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../../js/src/errors.js';
import { LocalEngine } from '../../../js/src/engine/local-engine.js';
import { DEFAULT_SAMPLING, FIELD_LIST, GENERATION_FIELDS } from '../../../js/src/options/generation-fields.js';
import { DEFAULT_SAMPLING as PUBLIC_DEFAULT_SAMPLING } from '../../../js/src/index.js';
import { syntheticModel } from '../package/support/models.mjs';

const EOS = 2;   // the writer's synthetic vocabulary

describe('generation fields through LocalEngine.generate', () => {
  const engine = new LocalEngine();
  // Greedy, past end-of-generation, 12 tokens: the synthetic model repeats itself, so the
  // penalties show.
  const generate = async (options) => {
    const tokens = [];
    const stats = await engine.generate({ prompt: 'hello world', temperature: 0, ignoreEos: true, maxTokens: 12, ...options },
      { onPiece: (piece) => tokens.push(...piece.tokens) });
    let text = '';
    await engine.generate({ prompt: 'hello world', temperature: 0, ignoreEos: true, maxTokens: 12, ...options },
      { onPiece: (piece) => { text += piece.text; } });
    return { tokens, stats, text };
  };
  let greedy;
  const hot = { temperature: 1.5, seed: 3 };
  let sampled;
  before(async () => {
    // F16 weights: the engine sums them in one order for a batch and a single token, so the
    // logprobs of a generation (its prompt evaluated as a batch) equal the log-softmax of
    // evalLogits' one-token-at-a-time logits to the bound below. The k-quants (and F32 in the
    // native build) sum one token in llama.cpp's decode order and batches in another
    // (src/quant/kernels.h).
    await engine.load(syntheticModel({ type: 'f16' }), { threads: 1, contextSize: 128, cache: false });
    greedy = await generate({});
    sampled = await generate(hot);
  });
  after(() => engine.unload());

  // What each field changes, from the greedy or the hot run.
  const probes = {
    temperature: async () => assert.notDeepEqual(sampled.tokens, greedy.tokens),
    topK: async () => assert.deepEqual((await generate({ ...hot, topK: 1 })).tokens, greedy.tokens),
    topP: async () => assert.deepEqual((await generate({ ...hot, topP: 0.001 })).tokens, greedy.tokens),
    minP: async () => assert.deepEqual((await generate({ ...hot, minP: 1 })).tokens, greedy.tokens),
    repeatPenalty: async () => {
      const penalized = (await generate({ repeatPenalty: 5 })).tokens;
      assert.ok(new Set(penalized).size > new Set(greedy.tokens).size, `${penalized} vs ${greedy.tokens}`);
    },
    presencePenalty: async () => assert.notDeepEqual((await generate({ presencePenalty: 5 })).tokens, greedy.tokens),
    frequencyPenalty: async () => assert.notDeepEqual((await generate({ frequencyPenalty: 5 })).tokens, greedy.tokens),
    penaltyLastN: async () => assert.deepEqual((await generate({ repeatPenalty: 5, penaltyLastN: 0 })).tokens, greedy.tokens),
    seed: async () => {
      assert.deepEqual((await generate(hot)).tokens, sampled.tokens);
      assert.notDeepEqual((await generate({ ...hot, seed: 4 })).tokens, sampled.tokens);
    },
    logitBias: async () => assert.deepEqual((await generate({ logitBias: { 7: 100 } })).tokens, Array(12).fill(7)),
    maxTokens: async () => {
      const { tokens, stats } = await generate({ maxTokens: 5 });
      assert.deepEqual(tokens, greedy.tokens.slice(0, 5));
      assert.equal(stats.finishReason, 'length');
      // Far past the context without a context shift: clamped to the room left, never an error.
      const { stats: full } = await generate({ maxTokens: 1e9, contextShift: false });
      assert.equal(full.promptTokens + full.completionTokens, 128);
    },
    contextShift: async () => {
      // On (the default), generation goes past the context; off, it ends there.
      const { tokens, stats } = await generate({ maxTokens: 300 });
      assert.equal(tokens.length, 300);
      assert.ok(stats.contextShifts >= 2 && stats.droppedTokens > 0, JSON.stringify(stats));
      const { stats: off } = await generate({ maxTokens: 300, contextShift: false });
      assert.equal(off.contextShifts, 0);
      assert.equal(off.promptTokens + off.completionTokens, 128);
    },
    nKeep: async () => {
      // Keeping the whole prompt leaves less to discard: more shifts for the same tokens.
      const { stats: some } = await generate({ maxTokens: 400, nKeep: 0 });
      const { stats: all } = await generate({ maxTokens: 400, nKeep: -1 });
      assert.ok(all.droppedTokens < some.droppedTokens || all.contextShifts > some.contextShifts, `${JSON.stringify(some)} ${JSON.stringify(all)}`);
    },
    stop: async () => {
      const stop = greedy.text.slice(3, 6);
      const { text, stats } = await generate({ stop });
      assert.equal(text, greedy.text.slice(0, greedy.text.indexOf(stop)));
      assert.equal(stats.finishReason, 'stop');
    },
    ignoreEos: async () => {
      const eos = { logitBias: { [EOS]: 100 } };
      assert.equal((await generate({ ...eos, ignoreEos: false })).stats.completionTokens, 0);
      assert.equal((await generate({ ...eos, ignoreEos: true })).stats.completionTokens, 12);
    },
    grammar: async () => {
      // The grammar's completion ends the output, even past ignoreEos.
      const { text, stats } = await generate({ grammar: 'root ::= "ab" [a-z]{3}\n' });
      assert.match(text, /^ab[a-z]{3}$/);
      assert.equal(stats.finishReason, 'stop');
    },
    grammarTrigger: async () => {
      // The grammar waits for its trigger: one the output never holds leaves the greedy run
      // as it is (without the trigger the grammar would hold from the first token). The
      // switch itself: tests/cpp/model/lazy_grammar_test.cpp, tests/js/tools.
      const grammar = 'root ::= "ab" [a-z]{3}\n';
      assert.deepEqual((await generate({ grammar, grammarTrigger: '\u0001never' })).tokens, greedy.tokens);
      assert.match((await generate({ grammar })).text, /^ab[a-z]{3}$/);
      await assert.rejects(() => generate({ grammarTrigger: 'x' }),
        (e) => e instanceof InvalidArgumentError && e.message.startsWith('grammarTrigger needs a grammar'));
    },
    jsonSchema: async () => {
      const schema = { enum: ['yes', 'no', 'maybe'] };
      const { text, tokens } = await generate({ jsonSchema: schema });
      assert.ok(schema.enum.includes(JSON.parse(text)), text);
      assert.deepEqual((await generate({ jsonSchema: JSON.stringify(schema) })).tokens, tokens);
    },
    prefillChunk: async () => {
      // Only the engine's step size changes, never the answer.
      assert.deepEqual((await generate({ prefillChunk: 1 })).tokens, greedy.tokens);
    },
    logprobs: async () => {
      const { tokens, logprobs } = await withLogprobs({ logprobs: true });
      assert.deepEqual(tokens, greedy.tokens);
      assert.deepEqual(logprobs.map((t) => t.id), tokens);
      const rows = await softmaxRows(tokens);
      logprobs.forEach((t, i) => {
        assert.ok(Math.abs(t.logprob - rows[i][t.id]) < 1e-4, `token ${i}: ${t.logprob} vs ${rows[i][t.id]}`);
        assert.deepEqual(t.topLogprobs, []);
      });
      const plain = [];
      await engine.generate({ prompt: 'hello world', temperature: 0, maxTokens: 3 }, { onPiece: (p) => plain.push(p) });
      assert.ok(plain.every((p) => p.logprobs === undefined), 'no logprobs unless asked');
    },
    topLogprobs: async () => {
      const { tokens, logprobs } = await withLogprobs({ logprobs: true, topLogprobs: 5 });
      const rows = await softmaxRows(tokens);
      logprobs.forEach((t, i) => {
        const want = [...rows[i].keys()].sort((a, b) => rows[i][b] - rows[i][a] || a - b).slice(0, 5);
        assert.deepEqual(t.topLogprobs.map((a) => a.id), want, `token ${i}`);
        t.topLogprobs.forEach((a) => assert.ok(Math.abs(a.logprob - rows[i][a.id]) < 1e-4));
      });
      await assert.rejects(() => engine.generate({ prompt: 'hi', maxTokens: 1, topLogprobs: 2 }),
        (e) => e instanceof InvalidArgumentError && /topLogprobs needs logprobs: true/.test(e.message));
    },
  };

  // The greedy run's pieces with logprobs, flattened.
  const withLogprobs = async (options) => {
    const tokens = [];
    const logprobs = [];
    await engine.generate({ prompt: 'hello world', temperature: 0, ignoreEos: true, maxTokens: 12, ...options }, {
      onPiece: (piece) => {
        assert.equal(piece.logprobs.length, piece.tokens.length);
        tokens.push(...piece.tokens);
        logprobs.push(...piece.logprobs);
      },
    });
    return { tokens, logprobs };
  };
  // The log-softmax (in double) of the logits each generated token was sampled from, token by
  // token as decoding evaluates them.
  const softmaxRows = async (generated) => {
    const prompt = await engine.tokenize('hello world', { special: true, addBos: true });
    const { nVocab, logits } = await engine.evalLogits([...prompt, ...generated], { batchSize: 1 });
    return generated.map((_, i) => {
      const row = Array.from(logits.subarray((prompt.length - 1 + i) * nVocab, (prompt.length + i) * nVocab));
      const max = Math.max(...row);
      const lse = Math.log(row.reduce((sum, l) => sum + Math.exp(l - max), 0)) + max;
      return row.map((l) => l - lse);
    });
  };

  test('every field of the table has a probe here', () => {
    assert.deepEqual(Object.keys(probes).sort(), FIELD_LIST.map((f) => f.name).sort());
  });

  for (const field of FIELD_LIST) {
    test(`${field.name}: accepted and takes effect`, () => probes[field.name]?.());
  }

  test('a bad value of each field is an InvalidArgumentError naming it', async () => {
    const bad = {
      number: ['hot', NaN, Infinity], integer: [1.5, -1, '3'], boolean: ['yes', 1], stop: ['', [''], [3], 5], logitBias: [[], 'x', { abc: 1 }, { 5: 'up' }],
      grammar: ['', ' ', 5, ['root ::= "a"']], text: ['', 5, ['x']], jsonSchema: ['', 'not json', '[1]', 5, [], true],
    };
    for (const field of FIELD_LIST) {
      // -1 is a valid nKeep (the whole prompt): below the minimum is what is bad.
      const values = bad[field.kind].filter((v) => !(v === -1 && (field.range.min ?? 0) <= -1));
      if (field.range.max !== undefined) values.push(field.range.max + 1);
      if (field.range.min !== undefined && (field.kind !== 'integer' || field.range.min < 0)) values.push(field.range.min - 1);
      for (const value of values) {
        await assert.rejects(() => engine.generate({ prompt: 'hi', maxTokens: 1, [field.name]: value }),
          (error) => error instanceof InvalidArgumentError && error.message.startsWith(field.name),
          `${field.name}: ${JSON.stringify(value)}`);
      }
    }
    await assert.rejects(() => engine.generate({ prompt: 'hi', logitBias: { 512: 1 } }), /logitBias key "512" is not a token id of this model \(0\.\.511\)/);
  });

  test('DEFAULT_SAMPLING is the table\'s constant sampling defaults', () => {
    assert.equal(PUBLIC_DEFAULT_SAMPLING, DEFAULT_SAMPLING);
    assert.deepEqual(DEFAULT_SAMPLING, {
      temperature: 0.2, topK: 0, topP: 0.9, minP: 0, repeatPenalty: 1, presencePenalty: 0, frequencyPenalty: 0, penaltyLastN: 64,
    });
    assert.equal(GENERATION_FIELDS.maxTokens.default, 256);
  });
});
