// Chat prompt rendering: the SmolLM2 template file from ../shared, the ChatML fallback for
// files without a template, clear errors for bad messages or a broken template, and the
// render limits that keep an untrusted template from hanging or exhausting the engine's thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHATML_TEMPLATE, renderChat } from '../../../js/src/chat-template.js';
import { InvalidArgumentError, TemplateLimitError } from '../../../js/src/errors.js';
import { SHARED } from './support/models.mjs';

const templateFile = join(SHARED, 'smollm2/chat_template.jinja');

test('SmolLM2 template: default system prompt only when none is given', { skip: !existsSync(templateFile) && 'no ../shared' }, async () => {
  const template = readFileSync(templateFile, 'utf8');
  const sys = '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n';
  const turns = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: '2+2?' }];
  const body = '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n';
  assert.equal(await renderChat(template, turns), `${sys}${body}<|im_start|>assistant\n`);
  assert.equal(await renderChat(template, [{ role: 'system', content: 'Be terse.' }, ...turns], { addGenerationPrompt: false }),
    `<|im_start|>system\nBe terse.<|im_end|>\n${body}`);
});

test('files without a template get ChatML', async () => {
  assert.equal(await renderChat(null, [{ role: 'user', content: 'a' }]), '<|im_start|>user\na<|im_end|>\n<|im_start|>assistant\n');
  assert.equal(await renderChat(CHATML_TEMPLATE, [{ role: 'user', content: 'a' }], { addGenerationPrompt: false }), '<|im_start|>user\na<|im_end|>\n');
});

test('bos_token and eos_token reach the template', async () => {
  const t = '{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}';
  assert.equal(await renderChat(t, [{ role: 'user', content: 'x' }], { bosToken: '<s>', eosToken: '</s>' }), '<s>x</s>');
});

test('bad messages and broken templates are InvalidArgumentErrors', async () => {
  await assert.rejects(() => renderChat(null, []), InvalidArgumentError);
  await assert.rejects(() => renderChat(null, [{ role: 'user' }]), /messages\[0\]/);
  await assert.rejects(() => renderChat('{% for m in messages %}', [{ role: 'user', content: 'x' }]), /does not parse/);
  await assert.rejects(() => renderChat("{{ raise_exception('no system role') }}", [{ role: 'user', content: 'x' }]), /failed on these messages/);
});

const user = [{ role: 'user', content: 'x' }];
const overLimit = (limit) => (error) => error instanceof TemplateLimitError && error.limit === limit &&
  new RegExp(`limit ${limit} = `).test(error.message);

test('range(1e7) is refused with the items limit, not built', async () => {
  const before = process.memoryUsage().heapUsed;
  await assert.rejects(() => renderChat('{% for i in range(10000000) %}x{% endfor %}', user, { limits: untimed }), overLimit('items'));
  assert.ok(process.memoryUsage().heapUsed - before < 64 << 20, 'range() allocated its list before refusing');
  assert.equal(await renderChat('{% for i in range(3) %}{{ i }}{% endfor %}', user), '012');
  assert.equal(await renderChat('{% for i in range(5, 0, -2) %}{{ i }}{% endfor %}', user), '531');
});

test('nested loops end at the step budget, or at the time limit', async () => {
  const nested = '{% for i in range(10000) %}{% for j in range(10000) %}{{ j }}{% endfor %}{% endfor %}';
  await assert.rejects(() => renderChat(nested, user, { limits: { steps: 200_000, timeMs: 600_000 } }), overLimit('steps'));
  await assert.rejects(() => renderChat(nested, user, { limits: { timeMs: 50, steps: 1e12 } }), overLimit('timeMs'));
});

// Each test lifts the limits it does not test, so which one trips never depends on the
// machine's speed.
const untimed = { timeMs: 600_000, steps: 1e12 };

test('doubling strings and lists, and wide indents, stop at the size limits', async () => {
  const strings = '{% set ns = namespace(s="x") %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}';
  await assert.rejects(() => renderChat(strings, user, { limits: untimed }), overLimit('valueChars'));
  const lists = '{% set ns = namespace(s=[1]) %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}';
  await assert.rejects(() => renderChat(lists, user, { limits: untimed }), overLimit('items'));
  await assert.rejects(() => renderChat("{{ 'a\nb'|indent(100000000) }}", user, { limits: untimed }), overLimit('valueChars'));
  const many = '{% for i in range(1000) %}{% for j in range(100) %}{{ messages[0].content }}{% endfor %}{% endfor %}';
  await assert.rejects(() => renderChat(many, [{ role: 'user', content: 'y'.repeat(1000) }], { limits: untimed }), overLimit('totalChars'));
});

test('a template longer than sourceChars is refused before it is parsed', async () => {
  const long = `{{ '${'x'.repeat(5000)}' }}`;
  await assert.rejects(() => renderChat(long, user, { limits: { sourceChars: 4096 } }), overLimit('sourceChars'));
  assert.equal((await renderChat(long, user)).length, 5000);
});

test('the rendered prompt is capped by outputChars', async () => {
  await assert.rejects(() => renderChat(null, [{ role: 'user', content: 'z'.repeat(5000) }], { limits: { outputChars: 4096 } }),
    overLimit('outputChars'));
});
