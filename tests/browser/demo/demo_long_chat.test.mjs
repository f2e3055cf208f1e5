// A long chat in the demo: 60 scripted turns with the trained tiny-py model in a 512-token
// context (the page's ?context=512), each answered, with the stats showing the context in use
// and what was dropped once the chat no longer fits; then the server goes away, the page
// reloads, the model loads from the offline cache and the chat goes on. Screenshots go to
// tests/artifacts/demo/. BROWSERS=chromium (etc.) narrows the browsers.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, missingBrowser } from '../browsers.mjs';
import { serve, artifact, step, missingShared, missingPackage, waitForOfflineReady, TINY_PY_RADIO, PAGE_QUERY, setMaxTokens, pickModel } from './support.mjs';

const CONTEXT = 512;
const TURNS = 60;
const ANSWER_TIMEOUT = 180000;
const QUERY = `${PAGE_QUERY ? `${PAGE_QUERY}&` : '?'}context=${CONTEXT}`;

const QUESTIONS = [
  'Write a function that adds two numbers.',
  'Now make it handle lists.',
  'Add a docstring.',
  'import os',
  'def read_config(path):',
  'Write a class that caches results.',
];

function pageState() {
  const answers = [...document.querySelectorAll('.message.assistant')];
  const last = answers[answers.length - 1];
  const notice = document.querySelector('.notice.error');
  return {
    error: notice ? notice.textContent : null,
    answers: answers.length,
    users: document.querySelectorAll('.message.user').length,
    lastText: last ? last.querySelector('.body').textContent : '',
    lastMeta: last ? last.querySelector('.meta').textContent : '',
    context: document.getElementById('stat-context').textContent,
    dropped: document.getElementById('stat-dropped').textContent,
    meter: document.getElementById('context-meter').getAttribute('aria-valuetext'),
    loaded: document.getElementById('loaded-model').textContent,
  };
}

async function loadTinyPy(browser) {
  await pickModel(browser, TINY_PY_RADIO);
  await browser.click('#load-button');
  await step(browser, 'model loads', () => browser.waitFor(() => {
    const error = document.querySelector('[data-notice-id="load"]');
    if (error) return `error: ${error.textContent}`;
    return document.getElementById('loaded-model').textContent.startsWith('Ready:');
  }, null, 180000));
  const state = await browser.evaluate(pageState);
  assert.equal(state.error, null);
  assert.match(state.context, new RegExp(`^0 of ${CONTEXT} tokens$`), 'the page asked for a 512-token context');
  return state;
}

// Sends one message and waits for its answer; returns the page state after it.
async function turn(browser, n, text) {
  await browser.type('#prompt', text);
  await browser.press('#prompt', 'Enter');
  await step(browser, `answer ${n} finishes`, () => browser.waitFor((count) => {
    if (document.querySelector('.notice.error')) return true;
    return document.querySelectorAll('.message.assistant').length >= count && !document.querySelector('.message.assistant.streaming');
  }, n, ANSWER_TIMEOUT));
  const s = await browser.evaluate(pageState);
  assert.equal(s.error, null, `turn ${n}: ${s.error}`);
  assert.equal(s.answers, n);
  assert.ok(s.lastText.trim().length > 0, `turn ${n} has an answer`);
  assert.ok(['', 'Stopped at the max tokens limit.'].includes(s.lastMeta), `turn ${n}: ${s.lastMeta}`);
  const [used, total] = s.context.match(/^(\d+) of (\d+) tokens$/).slice(1).map(Number);
  assert.equal(total, CONTEXT);
  assert.ok(used > 0 && used <= CONTEXT, `turn ${n}: ${s.context}`);
  return s;
}

for (const engine of ENGINES) {
  const skip = missingBrowser(engine) ?? missingShared() ?? missingPackage();
  describe(`a 60-turn chat in the demo in ${engine.name}`, { skip: skip ?? false, timeout: 1800000 }, () => {
    let browser;
    let server = null;
    before(async () => {
      browser = await engine.launch();
      server = await serve();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('keeps answering past the context, showing what it dropped', async () => {
      await browser.goto(server.url + QUERY);
      await loadTinyPy(browser);
      await setMaxTokens(browser, 32);
      let firstDrop = null;
      let last = null;
      for (let n = 1; n <= TURNS; n++) {
        last = await turn(browser, n, `${QUESTIONS[(n - 1) % QUESTIONS.length]} (${n})`);
        if (firstDrop === null && last.dropped !== 'nothing') {
          firstDrop = n;
          assert.match(last.dropped, /oldest messages?/);
          assert.match(last.meter, /dropped: /);
          await browser.screenshot(artifact(engine.name, 'long-chat-first-drop'));
        }
      }
      assert.ok(firstDrop !== null && firstDrop < TURNS / 2, `the chat outgrew the context (first drop at turn ${firstDrop})`);
      const dropped = Number(last.dropped.match(/(\d+) oldest/)[1]);
      assert.ok(dropped >= 2 * (TURNS - 20), `by turn ${TURNS}, ${dropped} messages left out`);
      assert.equal(last.users, TURNS, 'the page still shows every message');
      await browser.screenshot(artifact(engine.name, 'long-chat-60'));
    });

    test('reloads offline and goes on chatting from the cached model', async () => {
      await step(browser, 'app cached for offline use', () => waitForOfflineReady(browser));
      await server.close();
      server = null;
      await browser.reload();
      const offline = await loadTinyPy(browser);
      assert.match(offline.loaded, /from the offline cache/);
      await setMaxTokens(browser, 32);
      for (let n = 1; n <= 3; n++) await turn(browser, n, QUESTIONS[n - 1]);
      await browser.screenshot(artifact(engine.name, 'long-chat-offline'));
    });
  });
}
