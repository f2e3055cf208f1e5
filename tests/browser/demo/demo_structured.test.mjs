// The demo's JSON and Tools modes end to end with the trained tiny-py model, in Chromium,
// Firefox ESR and WebKit. tiny-py writes Python, so its words are nonsense here; what the
// package's grammar guarantees is the structure, and that is what is checked: the JSON mode's
// reply parses and is valid against the page's event schema (ajv), and a Tools round trip
// shows the call line with the page's result, then a final answer in text, and the history
// the next request sends carries the call and its result. A model that cannot make tool calls
// (SmolLM2's vocabulary with its ChatML tokens renamed, written by the project's model writer)
// gets the plain-words error in Tools mode and still chats in Chat mode.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { ENGINES, missingBrowser } from '../browsers.mjs';
import { serve, artifact, step, missingShared, missingPackage, TINY_PY_RADIO, PAGE_QUERY, setMaxTokens, pickModel } from './support.mjs';
import { EVENT_SCHEMA } from '../../../demo/src/json_mode.js';
import { PAGE_TOOLS, TOOL_NAMES } from '../../../demo/src/page_tools.js';
import { SMOLLM2_TOKENIZER, smolModel } from '../../js/package/support/models.mjs';

const LOAD_TIMEOUT = 180000;
const ANSWER_TIMEOUT = 240000;
const ajv = new Ajv({ strict: false });
const validEvent = ajv.compile(EVENT_SCHEMA);
const validArgs = new Map(PAGE_TOOLS.map((t) => [t.function.name, ajv.compile(t.function.parameters)]));

function conversation() {
  return [...document.querySelectorAll('#messages .message')].map((li) => ({
    role: ['user', 'assistant', 'tool'].find((r) => li.classList.contains(r)),
    text: li.querySelector('.body').textContent,
    code: [...li.querySelectorAll('.body pre code, .body > code')].map((c) => c.textContent),
    meta: li.querySelector('.meta').textContent,
    failed: li.classList.contains('failed'),
    streaming: li.classList.contains('streaming'),
  }));
}

// A model with no <|im_start|> / <|im_end|> tokens, in a models dir of its own for the server.
function modelsDirWithoutChatMl() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smollm-demo-tools-'));
  try {
    const tokenizer = path.join(dir, 'no-chatml-tokenizer.json');
    fs.writeFileSync(tokenizer, fs.readFileSync(SMOLLM2_TOKENIZER, 'utf8').replaceAll('<|im_start|>', '<|xx_start|>').replaceAll('<|im_end|>', '<|xx_end|>'));
    // dim 128: a head size of 32, which the demo's default q8_0 KV cache needs.
    fs.copyFileSync(smolModel({ tokenizer, dim: 128 }), path.join(dir, 'no-chatml.gguf'));
    return dir;
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
const NO_CHATML_RADIO = '#model-local_no-chatml_gguf';

// Loads the model of that radio button and waits for "Ready: LABEL…" (the page still says
// Ready for the model before until the new one's load has begun).
async function loadModel(browser, radio = TINY_PY_RADIO, label = 'tiny-py') {
  await pickModel(browser, radio);
  await browser.click('#load-button');
  const loaded = await step(browser, `${label} loads`, () => browser.waitFor((expected) => {
    const error = document.querySelector('[data-notice-id="load"]');
    if (error) return `error: ${error.textContent}`;
    return document.getElementById('loaded-model').textContent.startsWith(`Ready: ${expected}`);
  }, label, LOAD_TIMEOUT));
  assert.equal(loaded, true, `${label} loads: ${loaded}`);
}

async function pickMode(browser, mode) {
  await browser.click(`input[name="mode"][value="${mode}"]`);
  const state = await browser.evaluate(() => ({
    checked: document.querySelector('input[name="mode"]:checked').value,
    hint: document.getElementById('mode-hint').textContent,
    placeholder: document.getElementById('prompt').placeholder,
  }));
  assert.equal(state.checked, mode);
  return state;
}

// Sends, then waits until the send button is back (every round of the turn has finished).
async function sendAndWait(browser, text, what) {
  await browser.type('#prompt', text);
  await browser.press('#prompt', 'Enter');
  await step(browser, what, () => browser.waitFor(() => {
    const stop = document.getElementById('stop');
    return !document.querySelector('.message.streaming') && stop.hidden && document.querySelectorAll('.message.user').length > 0;
  }, null, ANSWER_TIMEOUT));
  return browser.evaluate(conversation);
}

for (const engine of ENGINES) {
  const skip = missingBrowser(engine) ?? missingShared() ?? missingPackage();
  describe(`JSON and tool calls in the demo in ${engine.name}`, { skip: skip ?? false, timeout: 900000 }, () => {
    let browser;
    let server;
    let modelsDir;
    before(async () => {
      browser = await engine.launch();
      modelsDir = modelsDirWithoutChatMl();
      server = await serve({ modelsDir });
      await browser.goto(server.url + PAGE_QUERY);
      await loadModel(browser);
      // Enough for the schema's longest object; tiny-py fills strings up to their limits.
      await setMaxTokens(browser, 1024);
    });
    after(async () => {
      try {
        await browser?.close();
        await server?.close();
      } finally {
        if (modelsDir) fs.rmSync(modelsDir, { recursive: true, force: true });
      }
    });

    test('JSON mode: the reply is pretty-printed JSON valid against the event schema', async () => {
      const mode = await pickMode(browser, 'json');
      assert.match(mode.hint, /^JSON: /);
      assert.match(mode.placeholder, /event/);
      const turn = await sendAndWait(browser, 'Lunch with Ada and Alan at the Ritz next Friday.', 'JSON answer finishes');
      assert.deepEqual(turn.map((m) => m.role), ['user', 'assistant']);
      const reply = turn[1];
      assert.equal(reply.failed, false);
      assert.equal(reply.code.length, 1, `one code block: ${reply.text}`);
      const event = JSON.parse(reply.code[0]);
      assert.ok(validEvent(event), `${reply.code[0]}: ${ajv.errorsText(validEvent.errors)}`);
      assert.equal(reply.code[0], JSON.stringify(event, null, 2), 'pretty-printed');
      assert.equal(reply.meta, 'Valid JSON, shaped by the event schema.');
      assert.equal(await browser.evaluate(() => document.querySelector('.notice.error')?.textContent ?? null), null);
      await browser.screenshot(artifact(engine.name, 'json-mode'));
    });

    test('Tools mode: a call runs in the page, its result goes back, the model answers', async () => {
      await browser.click('#new-chat');
      const mode = await pickMode(browser, 'tools');
      for (const name of TOOL_NAMES) assert.ok(mode.hint.includes(name), mode.hint);
      // Room for a whole call: the schemas bound its arguments, and the grammar its spaces.
      await setMaxTokens(browser, 320);
      const turn = await sendAndWait(browser, 'What time is it in Tokyo?', 'tool round trip finishes');
      const roles = turn.map((m) => m.role);
      assert.equal(roles[0], 'user');
      assert.equal(roles[1], 'tool', `the first round calls (tool_choice required): ${JSON.stringify(turn)}`);
      assert.equal(roles.at(-1), 'assistant', 'the turn ends with an answer in text');
      assert.ok(roles.filter((r) => r === 'tool').length >= 1);
      for (const call of turn.filter((m) => m.role === 'tool')) {
        const m = /^called (\w+)\((.*)\) → (.*)$/s.exec(call.code[0]);
        assert.ok(m, `call line: ${call.code[0]}`);
        const [, name, args, result] = m;
        assert.ok(TOOL_NAMES.includes(name), name);
        const parsed = JSON.parse(args || '{}');
        assert.ok(validArgs.get(name)(parsed), `${name}(${args}): ${ajv.errorsText(validArgs.get(name).errors)}`);
        // The page's result, as JSON: an error only where tiny-py's arguments make no sense
        // (a time zone that does not exist, min above max).
        const value = JSON.parse(result);
        if (name === 'get_page_info') assert.match(value.model, /^tiny-py/);
        if (name === 'get_current_time' && !value.error) assert.ok(!Number.isNaN(Date.parse(value.utc)), result);
        if (name === 'random_number' && !value.error) assert.ok(value.number >= parsed.min && value.number <= parsed.max, result);
        assert.equal(call.failed, Boolean(value.error));
      }
      const final = turn.at(-1);
      assert.ok(final.text.trim().length > 0, 'the final answer has text');
      assert.equal(await browser.evaluate(() => document.querySelector('.notice.error')?.textContent ?? null), null);
      await browser.screenshot(artifact(engine.name, 'tools-mode'));

      // The next request carries the call and its result: a plain Chat turn after it works
      // (the package writes the earlier tool turns in the trained format).
      await pickMode(browser, 'chat');
      await setMaxTokens(browser, 16);
      const next = await sendAndWait(browser, 'Thanks.', 'chat after tools finishes');
      assert.equal(next.at(-1).role, 'assistant');
      assert.equal(next.at(-1).failed, false);
      assert.equal(await browser.evaluate(() => document.querySelector('.notice.error')?.textContent ?? null), null);

      await browser.setViewport(390, 844);
      await pickMode(browser, 'tools');
      await browser.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await browser.screenshot(artifact(engine.name, 'tools-mode-mobile'));
      await browser.setViewport(1280, 900);
    });

    test('a model that cannot make tool calls: a plain error in Tools mode, Chat still works', async () => {
      await browser.click('#new-chat');
      // Picking another model shows "Reading …'s header", then its figures a moment later;
      // the Load button stays put through both, so a click aimed at it in between lands on it.
      await browser.evaluate(() => {
        const tops = (window.__loadButtonTops = [document.getElementById('load-button').offsetTop]);
        new MutationObserver(() => tops.push(document.getElementById('load-button').offsetTop))
          .observe(document.getElementById('memory-estimate'), { childList: true, characterData: true, subtree: true });
      });
      await pickModel(browser, NO_CHATML_RADIO);
      const tops = await browser.evaluate(() => window.__loadButtonTops);
      assert.ok(tops.length >= 3, `the estimate changed twice: ${tops}`);
      assert.ok(tops.every((top) => top === tops[0]), `the Load button stays put: its top went ${tops.join(', ')}`);
      await loadModel(browser, NO_CHATML_RADIO, 'no-chatml.gguf');
      await pickMode(browser, 'tools');
      await setMaxTokens(browser, 8);
      await sendAndWait(browser, 'What time is it?', 'refused tool request ends');
      const notice = await step(browser, 'error notice', () =>
        browser.waitFor(() => document.querySelector('[data-notice-id="chat"]')?.textContent ?? false, null, 30000));
      assert.match(notice, /This model cannot call tools\./);
      assert.match(notice, /switch the mode back to Chat/);
      await browser.screenshot(artifact(engine.name, 'tools-refused'));
      await browser.click('#new-chat');
      await pickMode(browser, 'chat');
      const chat = await sendAndWait(browser, 'Hello', 'plain chat answer');
      assert.deepEqual(chat.map((m) => m.role), ['user', 'assistant']);
      assert.equal(chat[1].failed, false);
      assert.equal(await browser.evaluate(() => document.querySelector('[data-notice-id="chat"]')), null);
    });
  });
}
