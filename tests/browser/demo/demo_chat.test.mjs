// The demo end to end with a real model, in Chromium, Firefox ESR and WebKit (with
// SharedArrayBuffer, as Safari: multi-thread; without, as WebKitGTK ships: single-thread): pick the trained
// tiny-py model from the local server, watch the answer stream, stop it mid-answer, send
// another message, then stop the server, reload and chat again from the caches (service
// worker for the app, the package's cache for the model). Screenshots go to
// tests/artifacts/demo/.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ENGINES, missingBrowser } from '../browsers.mjs';
import { symbolizeCrash } from '../../../tools/wasm-frames.mjs';
import {
  serve, artifact, step, missingShared, missingPackage, waitForOfflineReady, REPO_ROOT, TINY_PY_RADIO, FORCED_BUILD, PAGE_QUERY, setMaxTokens, pickModel,
} from './support.mjs';

const LOAD_TIMEOUT = 180000;
const ANSWER_TIMEOUT = 180000;
const expectMultiThread = FORCED_BUILD !== 'single-thread' && fs.existsSync(path.join(REPO_ROOT, 'js', 'wasm', 'smollm-mt.wasm'));

// What the page shows, read in one round trip.
function pageState() {
  const answers = [...document.querySelectorAll('.message.assistant')];
  const last = answers[answers.length - 1];
  const notice = document.querySelector('.notice.error');
  return {
    ready: document.body.dataset.ready ?? null,
    loaded: document.getElementById('loaded-model').textContent,
    error: notice ? notice.textContent : null,
    answers: answers.length,
    streaming: Boolean(document.querySelector('.message.assistant.streaming')),
    lastText: last ? last.querySelector('.body').textContent : '',
    lastMeta: last ? last.querySelector('.meta').textContent : '',
    users: document.querySelectorAll('.message.user').length,
    live: document.getElementById('answer-live').textContent.length,
    stats: Object.fromEntries(['prefill', 'decode', 'context', 'threads', 'build', 'memory']
      .map((k) => [k, document.getElementById(`stat-${k}`).textContent])),
  };
}

async function loadTinyPy(browser) {
  await pickModel(browser, TINY_PY_RADIO);
  await browser.click('#load-button');
  await step(browser, 'model loads', () => browser.waitFor(() => {
    const text = document.getElementById('loaded-model').textContent;
    const error = document.querySelector('[data-notice-id="load"]');
    if (error) return `error: ${error.textContent}`;
    return text.startsWith('Ready:') ? text : false;
  }, null, LOAD_TIMEOUT));
  const state = await browser.evaluate(pageState);
  // An engine crash in the notice also shows its wasm functions' names (tools/wasm-frames.mjs).
  const frames = state.error ? symbolizeCrash(state.error) : null;
  assert.equal(state.error, null, `no error notice after loading: ${state.error}${frames ? `\n${frames}` : ''}`);
  assert.match(state.loaded, /^Ready: tiny-py/);
  return state;
}

async function sendMessage(browser, text) {
  await browser.type('#prompt', text);
  await browser.press('#prompt', 'Enter');
}

async function waitForAnswerDone(browser, count) {
  await step(browser, `answer ${count} finishes`, () => browser.waitFor((n) => {
    const answers = document.querySelectorAll('.message.assistant');
    return answers.length >= n && !document.querySelector('.message.assistant.streaming');
  }, count, ANSWER_TIMEOUT));
  return browser.evaluate(pageState);
}

for (const engine of ENGINES) {
  const skip = missingBrowser(engine) ?? missingShared() ?? missingPackage();
  describe(`chatting in the demo in ${engine.name}`, { skip: skip ?? false, timeout: 900000 }, () => {
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

    test('streams, stops mid-answer, answers again', async () => {
      await browser.goto(server.url + PAGE_QUERY);
      const isolated = await browser.evaluate(() => self.crossOriginIsolated);
      assert.equal(isolated, true, 'crossOriginIsolated');
      const loaded = await loadTinyPy(browser);
      assert.notEqual(loaded.stats.threads, '–');
      assert.match(loaded.stats.build, /thread, (SIMD128|relaxed SIMD)$/);
      if (expectMultiThread && engine.sharedArrayBuffer) {
        assert.match(loaded.stats.build, /^multi-thread/, 'isolated page with the MT build present');
        assert.ok(Number(loaded.stats.threads) > 1, `threads: ${loaded.stats.threads}`);
      }
      await browser.screenshot(artifact(engine.name, 'chat-loaded'));

      // A long budget, so the answer is still streaming when we stop it.
      await setMaxTokens(browser, 1500);
      await sendMessage(browser, 'Write a Python function that reads a config file.');
      const seen = [];
      await step(browser, 'tokens stream in', async () => {
        const deadline = Date.now() + ANSWER_TIMEOUT;
        while (Date.now() < deadline) {
          const s = await browser.evaluate(pageState);
          if (s.streaming && s.lastText.length > (seen[seen.length - 1] ?? 0)) seen.push(s.lastText.length);
          if (seen.length >= 4 || (!s.streaming && s.answers >= 1)) break;
          await new Promise((r) => setTimeout(r, 40));
        }
      });
      assert.ok(seen.length >= 4, `the answer grew while streaming: lengths seen ${seen.join(', ')}`);
      await browser.screenshot(artifact(engine.name, 'chat-streaming'));
      await browser.click('#stop');
      const stopped = await waitForAnswerDone(browser, 1);
      assert.equal(stopped.lastMeta, 'Stopped.', 'the answer was stopped mid-way, not finished');
      assert.ok(stopped.lastText.length >= seen[seen.length - 1], 'the stopped answer keeps its text');
      assert.ok(stopped.live > 0, 'the live region read the answer out');
      assert.match(stopped.stats.decode, /tok\/s/);
      await browser.screenshot(artifact(engine.name, 'chat-stopped'));

      await setMaxTokens(browser, 48);
      await sendMessage(browser, 'Now write a class that caches results.');
      const second = await waitForAnswerDone(browser, 2);
      assert.equal(second.users, 2);
      assert.ok(second.lastText.trim().length > 0, 'the second answer has text');
      assert.ok(['', 'Stopped at the max tokens limit.'].includes(second.lastMeta), `finish note: ${second.lastMeta}`);
      assert.match(second.stats.prefill, /tok\/s \(\d+ tokens(, \d+ reused)?\)/);
      assert.match(second.stats.decode, /tok\/s \(\d+ tokens\)/);
      const [used, total] = second.stats.context.match(/(\d+) of (\d+) tokens/).slice(1).map(Number);
      assert.ok(used > 48 && used <= total, `context ${second.stats.context}`);
      await browser.screenshot(artifact(engine.name, 'chat-second-answer'));

      await browser.setViewport(390, 844);
      await browser.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await browser.screenshot(artifact(engine.name, 'chat-mobile'));
      await browser.setViewport(1280, 900);

      await browser.click('#new-chat');
      const cleared = await browser.evaluate(pageState);
      assert.equal(cleared.answers + cleared.users, 0, 'new chat clears the conversation');
    });

    // Needs the first test's page: its service worker, its cached model.
    test('works offline from the caches', async () => {
      // Offline: the app shell from the service worker, the model from the package's cache.
      await step(browser, 'app cached for offline use', () => waitForOfflineReady(browser));
      await step(browser, 'model marked as cached', () =>
        browser.waitFor((sel) => document.querySelector(sel)?.closest('.preset')?.querySelector('.badge') !== null, TINY_PY_RADIO, 30000));
      await server.close();
      server = null;
      await browser.reload();
      assert.equal(await browser.evaluate(() => self.crossOriginIsolated), true, 'offline page is still isolated');
      const offline = await loadTinyPy(browser);
      assert.match(offline.loaded, /from the offline cache/);
      await setMaxTokens(browser, 1500);
      await sendMessage(browser, 'import os');
      await step(browser, 'offline answer streams', () =>
        browser.waitFor(() => document.querySelector('.message.assistant.streaming .body')?.textContent.length > 10, null, ANSWER_TIMEOUT));
      await browser.press('#prompt', 'Escape'); // the keyboard way to stop
      const answer = await waitForAnswerDone(browser, 1);
      assert.ok(answer.lastText.trim().length > 0, 'an answer offline');
      assert.equal(answer.lastMeta, 'Stopped.');
      assert.equal(answer.error, null);
      await browser.screenshot(artifact(engine.name, 'chat-offline'));

      // Deleting the offline copy asks first, then unmarks the model.
      await browser.evaluate((sel) => document.querySelector(sel).closest('.preset').querySelector('.delete').click(), TINY_PY_RADIO);
      await browser.waitFor(() => document.querySelector('[data-notice-id="cache"]') !== null, null, 10000);
      await browser.screenshot(artifact(engine.name, 'delete-confirm'));
      await browser.evaluate(() => [...document.querySelectorAll('[data-notice-id="cache"] button')].find((b) => b.textContent === 'Delete').click());
      await step(browser, 'badge removed', () =>
        browser.waitFor((sel) => !document.querySelector(sel).closest('.preset').querySelector('.badge'), TINY_PY_RADIO, 20000));
    });
  });
}
