// Chat prompt rendering: the SmolLM2 template file from ../shared, the ChatML fallback for
// files without a template, and clear errors for bad messages or a broken template.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHATML_TEMPLATE, renderChat } from '../../../js/src/chat-template.js';
import { InvalidArgumentError } from '../../../js/src/errors.js';
import { SHARED } from './support/models.mjs';

const templateFile = join(SHARED, 'smollm2/chat_template.jinja');

test('SmolLM2 template: default system prompt only when none is given', { skip: !existsSync(templateFile) && 'no ../shared' }, () => {
  const template = readFileSync(templateFile, 'utf8');
  const sys = '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n';
  const turns = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: '2+2?' }];
  const body = '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n';
  assert.equal(renderChat(template, turns), `${sys}${body}<|im_start|>assistant\n`);
  assert.equal(renderChat(template, [{ role: 'system', content: 'Be terse.' }, ...turns], { addGenerationPrompt: false }),
    `<|im_start|>system\nBe terse.<|im_end|>\n${body}`);
});

test('files without a template get ChatML', () => {
  assert.equal(renderChat(null, [{ role: 'user', content: 'a' }]), '<|im_start|>user\na<|im_end|>\n<|im_start|>assistant\n');
  assert.equal(renderChat(CHATML_TEMPLATE, [{ role: 'user', content: 'a' }], { addGenerationPrompt: false }), '<|im_start|>user\na<|im_end|>\n');
});

test('bos_token and eos_token reach the template', () => {
  const t = '{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}';
  assert.equal(renderChat(t, [{ role: 'user', content: 'x' }], { bosToken: '<s>', eosToken: '</s>' }), '<s>x</s>');
});

test('bad messages and broken templates are InvalidArgumentErrors', () => {
  assert.throws(() => renderChat(null, []), InvalidArgumentError);
  assert.throws(() => renderChat(null, [{ role: 'user' }]), /messages\[0\]/);
  assert.throws(() => renderChat('{% for m in messages %}', [{ role: 'user', content: 'x' }]), /does not parse/);
  assert.throws(() => renderChat("{{ raise_exception('no system role') }}", [{ role: 'user', content: 'x' }]), /failed on these messages/);
});
