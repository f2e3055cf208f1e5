// Long conversations through the public API: generate() shifting the context (llama.cpp's
// policy, on by default), chats dropping their oldest turns and re-using the cached rest, the
// figures in stats and usage, and the errors that remain.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SmolLM, ContextLengthError, InvalidArgumentError } from '../../../js/src/index.js';
import { haveShared, smolModel } from './support/models.mjs';

const skip = haveShared ? false : '../shared/smollm2/tokenizer.json is absent';
const CONTEXT = 128;

async function tokensOf(iterable) {
  const tokens = [];
  for await (const p of iterable) tokens.push(...p.tokens);
  return tokens;
}

// A conversation of `turns` user/assistant pairs after a system prompt, each ~20 tokens.
function conversation(turns) {
  const messages = [{ role: 'system', content: 'You answer in one short line.' }];
  for (let i = 0; i < turns; i++) {
    messages.push({ role: 'user', content: `Question number ${i}: what is ${i} plus ${i + 1}?` });
    messages.push({ role: 'assistant', content: `It is ${2 * i + 1}, as ${i} and ${i + 1} make ${2 * i + 1}.` });
  }
  return messages;
}

describe('context shift', { skip }, () => {
  let llm;
  before(async () => {
    llm = await SmolLM.load(smolModel(), { threads: 2, contextSize: CONTEXT });
  });
  after(async () => {
    await llm?.unload();
  });

  test('generate() goes on past the context by shifting it, and says so in the stats', async () => {
    const options = { maxTokens: 300, temperature: 0, ignoreEos: true };
    const shifted = await tokensOf(llm.generate('def main():', options));
    assert.equal(shifted.length, 300);
    const s = llm.stats;
    assert.equal(s.finishReason, 'length');
    assert.ok(s.contextShifts >= 3, `${s.contextShifts} shifts`);
    assert.ok(s.droppedTokens >= s.contextShifts * 30, `${s.droppedTokens} tokens dropped`);
    assert.ok(s.contextUsed <= CONTEXT);
    assert.equal(s.droppedMessages, 0);
    // Until the context is full the output is the unshifted generation's, which ends there.
    const stopped = await tokensOf(llm.generate('def main():', { ...options, contextShift: false }));
    assert.equal(llm.stats.contextShifts, 0);
    assert.equal(llm.stats.finishReason, 'length');
    assert.equal(stopped.length, CONTEXT - llm.stats.promptTokens);   // maxTokens clamped to the room left
    assert.deepEqual(shifted.slice(0, stopped.length), stopped);
    // Deterministic: the same shifts give the same tokens.
    assert.deepEqual(await tokensOf(llm.generate('def main():', options)), shifted);
  });

  test('nKeep keeps the start of the prompt through every shift', async () => {
    const prompt = 'import os\nimport sys\n\n# a long comment about the program that follows\ndef main():';
    const n = (await llm.tokenize(prompt)).length;
    const all = await tokensOf(llm.generate(prompt, { maxTokens: 200, temperature: 0, ignoreEos: true, nKeep: -1 }));
    assert.equal(all.length, 200);
    assert.ok(llm.stats.contextShifts >= 2);
    // With the whole prompt kept, each shift drops half of what follows it.
    assert.ok(llm.stats.droppedTokens <= llm.stats.contextShifts * Math.ceil((CONTEXT - n) / 2));
    const some = await tokensOf(llm.generate(prompt, { maxTokens: 200, temperature: 0, ignoreEos: true, nKeep: 2 }));
    assert.equal(some.length, 200);
    assert.deepEqual(some.slice(0, CONTEXT - n + 1), all.slice(0, CONTEXT - n + 1), 'the same until the first shift');
    await assert.rejects(async () => tokensOf(llm.generate(prompt, { nKeep: -2 })), InvalidArgumentError);
    await assert.rejects(async () => tokensOf(llm.generate(prompt, { contextShift: 'yes' })), InvalidArgumentError);
  });

  test('a chat that outgrows the context drops its oldest turns and re-uses the rest of the cache', async () => {
    const r1 = await llm.chat.completions.create({ messages: conversation(1), max_tokens: 8, temperature: 0 });
    assert.equal(r1.usage.context_shift.dropped_messages, 0, 'one turn fits');
    // Grow the chat turn by turn: it never fails, and once it no longer fits, the oldest turns go.
    let dropping = null;
    for (let turn = 2; turn < 14; turn++) {
      const messages = conversation(turn);
      const r = await llm.chat.completions.create({ messages, max_tokens: 8, temperature: 0 });
      const usage = r.usage;
      assert.ok(usage.prompt_tokens < CONTEXT, `turn ${turn}: ${usage.prompt_tokens} prompt tokens`);
      assert.equal(usage.context_shift.dropped_messages, llm.stats.droppedMessages);
      assert.equal(usage.context_shift.dropped_messages % 2, 0, 'whole turns (a question and its answer)');
      if (usage.context_shift.dropped_messages > 0) {
        // The prompt leaves min(max_tokens, context / 4) tokens for the answer.
        assert.ok(usage.prompt_tokens <= CONTEXT - 8, `turn ${turn}: ${usage.prompt_tokens}`);
        dropping ??= turn;
      }
    }
    assert.ok(dropping !== null && dropping < 13, 'the chat outgrew the context');
    // The next turn re-uses the cached turns behind the dropped ones: only the new ones are evaluated.
    const messages = conversation(13);
    const before = await llm.chat.completions.create({ messages, max_tokens: 8, temperature: 0 });
    const next = [...messages, { role: 'user', content: 'And 20 plus 21?' }];
    const r = await llm.chat.completions.create({ messages: next, max_tokens: 8, temperature: 0 });
    assert.ok(r.usage.context_shift.dropped_messages >= before.usage.context_shift.dropped_messages);
    const cached = r.usage.prompt_tokens_details.cached_tokens;
    assert.ok(cached > r.usage.prompt_tokens / 2, `${cached} of ${r.usage.prompt_tokens} prompt tokens re-used`);
  });

  test('a chat keeps its system prompt through a shift while answering', async () => {
    const messages = [{ role: 'system', content: 'You write Python.' }, { role: 'user', content: 'Write a long program.' }];
    const r = await llm.chat.completions.create({ messages, max_tokens: 250, temperature: 0, ignore_eos: true });
    assert.equal(r.usage.completion_tokens, 250);
    assert.ok(r.usage.context_shift.shifts >= 2);
    assert.equal(r.usage.context_shift.dropped_tokens, llm.stats.droppedTokens);
    assert.equal(r.choices[0].finish_reason, 'length');
  });

  test('without context shift a long chat is an error, and so is a newest turn that alone does not fit', async () => {
    await assert.rejects(
      llm.chat.completions.create({ messages: conversation(14), max_tokens: 8, context_shift: false }),
      ContextLengthError);
    const huge = [{ role: 'user', content: 'word '.repeat(400) }];
    await assert.rejects(llm.chat.completions.create({ messages: huge, max_tokens: 8 }),
      (e) => e instanceof ContextLengthError && /newest turn/.test(e.message) && e.contextSize === CONTEXT);
    await assert.rejects(llm.chat.completions.create({ messages: conversation(2), n_keep: 'all' }), InvalidArgumentError);
    // The engine is intact afterwards.
    const r = await llm.chat.completions.create({ messages: conversation(1), max_tokens: 4, temperature: 0 });
    assert.equal(r.usage.completion_tokens, 4);
  });
});
