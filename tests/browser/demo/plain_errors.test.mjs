// The demo's wording of the package's errors: plain sentences, and a retry where one helps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeLoadError, describeChatError, sourceName } from '../../../demo/src/plain_errors.js';

const named = (name, message, fields = {}) => Object.assign(new Error(message), { name }, fields);

test('not enough memory, from the header check or a failed allocation', () => {
  const tooLarge = describeLoadError(named('ModelTooLargeError', 'the model needs 5 GiB', { requiredBytes: 5.4e9 }));
  assert.equal(tooLarge.title, 'Not enough memory for this model.');
  assert.match(tooLarge.detail, /It needs 5\.4 GB/);
  const oom = describeLoadError(new RangeError('WebAssembly.Memory(): could not allocate memory'));
  assert.equal(oom.title, 'Not enough memory for this model.');
});

test('download failures name the cause and offer a retry', () => {
  const missing = describeLoadError(named('HttpError', 'HTTP 404', { status: 404, url: 'https://x/y.gguf' }));
  assert.equal(missing.title, 'Download failed: the file is not there (check the URL).');
  assert.equal(missing.retry, true);
  assert.match(describeLoadError(named('HttpError', '', { status: 403 })).title, /refused access/);
  assert.match(describeLoadError(named('HttpError', '', { status: 503 })).title, /temporary/);
  const dropped = describeLoadError(named('NetworkError', 'could not download'));
  assert.match(dropped.title, /connection dropped/);
  assert.match(dropped.detail, /continues from where it stopped/);
  assert.equal(dropped.retry, true);
});

test('bad files get no pointless retry; cancelling is not an error', () => {
  assert.equal(describeLoadError(named('InvalidModelError', 'bad magic')).retry, false);
  assert.equal(describeLoadError(named('UnsupportedModelError', 'architecture qwen2')).title, 'This model is not supported.');
  const cancelled = describeLoadError(new DOMException('aborted', 'AbortError'));
  assert.equal(cancelled.kind, 'info');
  assert.equal(cancelled.title, 'Loading cancelled.');
});

test('chat errors: a full context, a stopped engine', () => {
  const full = describeChatError(named('InvalidArgumentError', 'prompt of 2100 tokens exceeds the context size 2048'), 2048);
  assert.match(full.title, /no longer fits in the model's context \(2048 tokens\)/);
  assert.match(describeChatError(named('UnloadedError', 'unloaded')).title, /Load the model again/);
});

test('a model that cannot make tool calls: said plainly, with what to do, before the context check', () => {
  const refused = describeChatError(named('InvalidArgumentError',
    'tools: this model cannot make tool calls (its vocabulary has no <|im_start|> token); tool calls use ' +
    "SmolLM2's trained format, which needs a ChatML chat: give no tools, or tool_choice: \"none\""), 2048);
  assert.equal(refused.title, 'This model cannot call tools.');
  assert.match(refused.detail, /load a SmolLM2 Instruct model, or switch the mode back to Chat/);
  assert.match(refused.detail, /no <\|im_start\|> token/);
});

test('source names for messages', () => {
  assert.equal(sourceName('https://huggingface.co/a/b/resolve/main/My%20Model.gguf'), 'My Model.gguf');
  assert.equal(sourceName(new File([], 'local.gguf')), 'local.gguf');
});
