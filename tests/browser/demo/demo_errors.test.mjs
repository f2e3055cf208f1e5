// The demo's plain-words error paths and the download UI, in Chromium, Firefox ESR and WebKit:
// a missing file (and Retry once it exists), a slow download's progress bar, Cancel, a
// dropped connection that resumes, and a host without COOP/COEP or service workers (one
// thread, with a notice, still chatting).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENGINES, missingBrowser } from '../browsers.mjs';
import {
  serve, artifact, step, missingShared, missingPackage, startSlowModelServer, TINY_PY, TINY_PY_RADIO, PAGE_QUERY, pickModel,
} from './support.mjs';

async function shortAnswers(browser) {
  await browser.evaluate(() => {
    const input = document.getElementById('max-tokens');
    input.value = '32';
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

// Opens "Custom URL or a file" as a visitor does (its summary), waits until the form is laid
// out (WebKit once refused the submit click as not interactable right after the section was
// opened from script), then submits the URL.
async function loadCustomUrl(browser, url) {
  if (!(await browser.evaluate(() => document.getElementById('other-sources').open))) {
    await browser.click('#other-sources > summary');
  }
  await step(browser, 'custom URL form shown', () => browser.waitFor(() => {
    const box = document.querySelector('#url-form button[type=submit]').getBoundingClientRect();
    return document.getElementById('other-sources').open && box.width > 0 && box.height > 0;
  }, null, 10000));
  await browser.type('#custom-url', url);
  await browser.click('#url-form button[type=submit]');
}

function loadOutcome() {
  const ready = document.getElementById('loaded-model').textContent;
  const notice = document.querySelector('[data-notice-id="load"]');
  if (ready.startsWith('Ready:')) return { ready };
  if (notice) return { notice: notice.textContent, kind: notice.className };
  return false;
}

// WebKit: one variant (webkit; nothing here depends on SharedArrayBuffer). The case without
// service workers needs a browser launched with them off, which WebDriver cannot ask of
// WebKit.
const SAME_AS_WEBKIT = 'errors, downloads and local files do not depend on SharedArrayBuffer: the webkit run covers WebKit';
const NO_SW_SWITCH = 'WebDriver cannot launch WebKit with service workers turned off';

for (const engine of ENGINES) {
  const skip = missingBrowser(engine) ?? missingShared() ?? missingPackage();
  const webkit = engine.name.startsWith('webkit');
  const skipVariant = skip ?? (engine.name === 'webkit-sab' ? SAME_AS_WEBKIT : null);
  describe(`demo errors and downloads in ${engine.name}`, { skip: skipVariant ?? false, timeout: 600000 }, () => {
    let browser;
    before(async () => {
      browser = await engine.launch();
    });
    after(async () => {
      await browser?.close();
    });

    test('a missing file says so in plain words, and Retry loads it once it exists', async () => {
      const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smollm-demo-models-'));
      const server = await serve({ modelsDir });
      try {
        await browser.goto(server.url + PAGE_QUERY);
        await browser.waitFor(() => document.body.dataset.ready === 'true', null, 30000);
        await loadCustomUrl(browser, `${server.url}models/late.gguf`);
        const failed = await step(browser, 'error notice', () => browser.waitFor(loadOutcome, null, 60000));
        assert.match(failed.notice ?? '', /Download failed: the file is not there \(check the URL\)\./);
        assert.match(failed.kind, /error/);
        assert.match(failed.notice, /HTTP 404/);
        await browser.screenshot(artifact(engine.name, 'error-404'));
        fs.copyFileSync(TINY_PY, path.join(modelsDir, 'late.gguf'));
        await browser.evaluate(() => [...document.querySelectorAll('[data-notice-id="load"] button')].find((b) => b.textContent === 'Retry').click());
        const done = await step(browser, 'retry loads', () => browser.waitFor(loadOutcome, null, 120000));
        assert.match(done.ready ?? JSON.stringify(done), /^Ready: late\.gguf/);
      } finally {
        await server.close();
        fs.rmSync(modelsDir, { recursive: true, force: true });
      }
    });

    test('a slow download shows MB, speed and time left; Cancel stops it; a dropped connection resumes', async () => {
      const server = await serve();
      // About 6 s for the 15 MB file, dropping the connection at 60% once.
      const slow = await startSlowModelServer({ file: TINY_PY, bytesPerSecond: 2.5e6, dropAtFraction: 0.6 });
      try {
        await browser.goto(server.url + PAGE_QUERY);
        await browser.waitFor(() => document.body.dataset.ready === 'true', null, 30000);
        await loadCustomUrl(browser, slow.url);
        const label = await step(browser, 'progress shown', () => browser.waitFor(() => {
          const bar = document.getElementById('progress-bar');
          const text = document.getElementById('progress-label').textContent;
          return !document.getElementById('progress').hidden && bar.value > 0.1 && / left$/.test(text) ? text : false;
        }, null, 60000));
        assert.match(label, /^Downloading tiny-py-Q4_K_M\.gguf: \d+\.\d MB of 14\.9 MB · \d+\.\d MB\/s · \d+ s left$/);
        await browser.screenshot(artifact(engine.name, 'download-progress'));
        await browser.click('#cancel-load');
        const cancelled = await step(browser, 'cancel', () => browser.waitFor(loadOutcome, null, 30000));
        assert.match(cancelled.notice ?? '', /^Loading cancelled\./);
        const before = slow.requests.length;
        await browser.evaluate(() => [...document.querySelectorAll('[data-notice-id="load"] button')].find((b) => b.textContent === 'Retry').click());
        const done = await step(browser, 'load after retry', () => browser.waitFor(loadOutcome, null, 180000));
        assert.match(done.ready ?? JSON.stringify(done), /^Ready: tiny-py-Q4_K_M\.gguf \(downloaded/);
        const resumed = slow.requests.slice(before).filter((r) => r.range && !/^bytes=0-/.test(r.range));
        assert.ok(resumed.length >= 1, `the dropped download resumed with a Range request: ${JSON.stringify(slow.requests)}`);
        await shortAnswers(browser);
        await browser.type('#prompt', 'def main():');
        await browser.press('#prompt', 'Enter');
        await browser.waitFor(() => document.querySelector('.message.assistant') && !document.querySelector('.message.assistant.streaming'), null, 120000);
        const text = await browser.evaluate(() => document.querySelector('.message.assistant .body').textContent);
        assert.ok(text.trim().length > 0);
      } finally {
        await slow.close();
        await server.close();
      }
    });
  });

  describe(`local model files in ${engine.name}`, { skip: skipVariant ?? false, timeout: 300000 }, () => {
    let browser;
    before(async () => {
      browser = await engine.launch();
    });
    after(async () => {
      await browser?.close();
    });

    test('a file from the picker loads and chats', async () => {
      const server = await serve();
      try {
        await browser.goto(server.url + PAGE_QUERY);
        await browser.waitFor(() => document.body.dataset.ready === 'true', null, 30000);
        await browser.evaluate(() => { document.getElementById('other-sources').open = true; });
        await browser.upload('#file-input', TINY_PY);
        const done = await step(browser, 'picked file loads', () => browser.waitFor(loadOutcome, null, 120000));
        assert.match(done.ready ?? JSON.stringify(done), /^Ready: tiny-py-Q4_K_M\.gguf \(from a local file/);
      } finally {
        await server.close();
      }
    });

    test('a file dropped on the page loads', async () => {
      const server = await serve();
      try {
        await browser.goto(server.url + PAGE_QUERY);
        await browser.waitFor(() => document.body.dataset.ready === 'true', null, 30000);
        // A drop event carrying a real File, as the browser builds it for a dragged file.
        await browser.evaluate(async () => {
          const blob = await (await fetch('models/tiny-py-Q4_K_M.gguf')).blob();
          const data = new DataTransfer();
          data.items.add(new File([blob], 'dropped.gguf'));
          for (const type of ['dragenter', 'dragover', 'drop']) {
            document.body.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
          }
        });
        const done = await step(browser, 'dropped file loads', () => browser.waitFor(loadOutcome, null, 120000));
        assert.match(done.ready ?? JSON.stringify(done), /^Ready: dropped\.gguf \(from a local file/);
        assert.equal(await browser.evaluate(() => document.body.classList.contains('dragging')), false);
      } finally {
        await server.close();
      }
    });
  });

  describe(`demo without COOP/COEP or service workers in ${engine.name}`, { skip: skip ?? (webkit ? NO_SW_SWITCH : null) ?? false, timeout: 300000 }, () => {
    test('says it runs on one thread, and still chats with the single-thread build', async () => {
      const browser = await engine.launch({ serviceWorkers: false });
      const server = await serve({ isolation: false });
      try {
        await browser.goto(server.url);
        await browser.waitFor(() => document.body.dataset.ready === 'true' && document.querySelector('[data-notice-id="no-sab"]') !== null, null, 30000);
        const page = await browser.evaluate(() => ({
          isolated: self.crossOriginIsolated,
          notice: document.querySelector('[data-notice-id="no-sab"]')?.textContent ?? null,
        }));
        assert.equal(page.isolated, false);
        assert.match(page.notice ?? '', /Running on one thread: SharedArrayBuffer is not available on this page\./);
        assert.match(page.notice, /serve the app with "node demo\/serve\.mjs"/, 'the notice says how to get threads');
        await pickModel(browser, TINY_PY_RADIO);
        await browser.click('#load-button');
        const done = await step(browser, 'load', () => browser.waitFor(loadOutcome, null, 120000));
        assert.match(done.ready ?? JSON.stringify(done), /^Ready: tiny-py/);
        const build = await browser.evaluate(() => [document.getElementById('stat-build').textContent, document.getElementById('stat-threads').textContent]);
        assert.match(build[0], /^single-thread/);
        assert.equal(build[1], '1');
        await shortAnswers(browser);
        await browser.type('#prompt', 'import sys');
        await browser.press('#prompt', 'Enter');
        await browser.waitFor(() => document.querySelector('.message.assistant') && !document.querySelector('.message.assistant.streaming'), null, 120000);
        const text = await browser.evaluate(() => document.querySelector('.message.assistant .body').textContent);
        assert.ok(text.trim().length > 0);
        await browser.screenshot(artifact(engine.name, 'no-isolation'));
      } finally {
        await server.close();
        await browser.close();
      }
    });
  });
}
