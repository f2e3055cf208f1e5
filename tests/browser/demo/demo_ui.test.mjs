// The demo page without a model: layout, presets, settings, sanitised Markdown, the service
// worker (offline shell, COOP/COEP added for hosts without headers) and a narrow viewport.
// Runs in Chromium (playwright-core) and Firefox ESR (puppeteer-core).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { enginesNamed, missingBrowser } from '../browsers.mjs';
import { serve, artifact, step, missingShared, waitForOfflineReady, TINY_PY_RADIO } from './support.mjs';

for (const engine of enginesNamed('chromium', 'firefox')) {
  const skip = missingBrowser(engine);
  describe(`demo page in ${engine.name}`, { skip: skip ?? false, timeout: 240000 }, () => {
    let browser;
    before(async () => {
      browser = await engine.launch();
    });
    after(async () => {
      await browser?.close();
    });

    test('loads cross-origin isolated, lists the presets with sizes, and renders cleanly', async () => {
      const server = await serve();
      try {
        await browser.goto(server.url);
        await step(browser, 'presets rendered', () =>
          browser.waitFor(() => document.querySelectorAll('#preset-list input[type=radio]').length >= 6, null, 20000));
        const page = await browser.evaluate(() => ({
          isolated: self.crossOriginIsolated,
          sab: typeof SharedArrayBuffer === 'function',
          rows: [...document.querySelectorAll('#preset-list .preset')].map((row) => row.textContent.replace(/\s+/g, ' ').trim()),
          groups: [...document.querySelectorAll('#preset-list .preset-group')].map((g) => g.textContent),
          labelsOk: [...document.querySelectorAll('input, textarea')].every((el) =>
            el.type === 'hidden' || el.labels?.length > 0 || el.getAttribute('aria-label')),
          live: document.getElementById('answer-live').getAttribute('aria-live'),
          manifest: document.querySelector('link[rel=manifest]')?.href,
        }));
        assert.equal(page.isolated, true, 'the server sends COOP/COEP, so the page must be cross-origin isolated');
        assert.equal(page.sab, true);
        for (const quant of ['Q4_K_M', 'Q5_K_M', 'IQ4_XS']) {
          assert.equal(page.rows.filter((r) => r.includes(quant) && /\d(\.\d+)? (GB|MB)/.test(r)).length >= 2, true,
            `${quant} presets with sizes for SmolLM2 and SmolLM: ${page.rows.join(' | ')}`);
        }
        assert.deepEqual(page.groups.filter((g) => g.includes('1.7B')), ['SmolLM2-1.7B-Instruct', 'SmolLM-1.7B-Instruct']);
        if (!missingShared()) {
          assert.ok(page.rows.some((r) => r.includes('tiny-py (test model, writes Python)')), 'local tiny-py preset listed');
        }
        assert.equal(page.labelsOk, true, 'every form control has a label');
        assert.equal(page.live, 'polite');
        const manifest = await browser.evaluate(async (url) => (await fetch(url)).json(), page.manifest);
        assert.ok(manifest.icons.some((i) => i.sizes === '512x512' && i.purpose === 'maskable'));
        assert.equal(manifest.display, 'standalone');
        await browser.screenshot(artifact(engine.name, 'ui-initial'), true);
      } finally {
        await server.close();
      }
    });

    test('model output is rendered as Markdown without ever becoming markup', async () => {
      const server = await serve();
      try {
        await browser.goto(server.url);
        const result = await browser.evaluate(async () => {
          const { renderMarkdown } = await import('./src/markdown_dom.js');
          const host = document.createElement('div');
          window.__pwned = false;
          host.append(renderMarkdown(
            '# Title\n<img src=x onerror="window.__pwned=true"><script>window.__pwned=true</script>\n\n' +
            '[click](javascript:window.__pwned=true) [ok](https://example.com)\n\n' +
            '```html\n<b onclick="x">bold?</b>\n```\n- **item** `code`'));
          document.body.append(host);
          await new Promise((r) => setTimeout(r, 100));
          const out = {
            pwned: window.__pwned,
            img: host.querySelectorAll('img, script, b').length,
            hrefs: [...host.querySelectorAll('a')].map((a) => a.getAttribute('href')),
            rel: host.querySelector('a')?.rel,
            code: host.querySelector('pre code')?.textContent,
            heading: host.querySelector('h3')?.textContent,
            strong: host.querySelector('li strong')?.textContent,
            text: host.textContent.includes('<img src=x onerror='),
          };
          host.remove();
          return out;
        });
        assert.equal(result.pwned, false);
        assert.equal(result.img, 0, 'no element came from model text');
        assert.deepEqual(result.hrefs, ['https://example.com']);
        assert.match(result.rel, /noopener/);
        assert.equal(result.code, '<b onclick="x">bold?</b>');
        assert.equal(result.heading, 'Title');
        assert.equal(result.strong, 'item');
        assert.equal(result.text, true, 'the HTML shows as text');
      } finally {
        await server.close();
      }
    });

    test('settings are editable and survive a reload', async () => {
      const server = await serve();
      try {
        await browser.goto(server.url);
        await browser.click('#settings-panel > summary');
        await browser.type('#system-prompt', 'You are terse.');
        await browser.type('#max-tokens', '77');
        await browser.evaluate(() => {
          const t = document.getElementById('temperature');
          t.value = '0.7';
          t.dispatchEvent(new Event('input', { bubbles: true }));
        });
        await browser.reload();
        const values = await browser.evaluate(() => ({
          system: document.getElementById('system-prompt').value,
          max: document.getElementById('max-tokens').value,
          temp: document.getElementById('temperature-value').textContent,
        }));
        assert.deepEqual(values, { system: 'You are terse.', max: '77', temp: '0.70' });
        await browser.click('#settings-panel > summary');
        await browser.click('#reset-settings');
        const reset = await browser.evaluate(() => document.getElementById('temperature-value').textContent);
        assert.equal(reset, '0.20');
      } finally {
        await server.close();
      }
    });

    test('a narrow mobile viewport has no horizontal scrolling', async () => {
      const server = await serve();
      try {
        await browser.setViewport(390, 844);
        await browser.goto(server.url);
        await browser.waitFor(() => document.querySelectorAll('#preset-list input').length >= 6, null, 20000);
        const overflow = await browser.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);
        await browser.screenshot(artifact(engine.name, 'ui-mobile'), true);
      } finally {
        await browser.setViewport(1280, 900);
        await server.close();
      }
    });

    test('the service worker serves the app shell offline, with COOP/COEP', async () => {
      const server = await serve();
      const url = server.url;
      try {
        await browser.goto(url);
        await step(browser, 'service worker installed and controlling', () => waitForOfflineReady(browser));
      } finally {
        await server.close();
      }
      await step(browser, 'offline reload', async () => {
        await browser.reload();
        await browser.waitFor(() => document.querySelectorAll('#preset-list input').length >= 6, null, 20000);
      });
      const offline = await browser.evaluate(() => ({
        isolated: self.crossOriginIsolated,
        title: document.querySelector('h1')?.textContent,
        css: getComputedStyle(document.querySelector('.panel')).borderRadius,
        tinyPy: Boolean(document.querySelector('#preset-list input[value^="local:"]')),
      }));
      assert.equal(offline.title, 'SmolLM chat');
      assert.equal(offline.css, '10px', 'styles came from the offline cache');
      assert.equal(offline.isolated, true, 'the service worker adds COOP/COEP to what it serves');
      if (!missingShared()) assert.equal(offline.tinyPy, true, 'the local model list is cached too');
      await browser.screenshot(artifact(engine.name, 'ui-offline-shell'));
    });

    test('on a host without COOP/COEP the service worker makes the page isolated', async () => {
      const server = await serve({ isolation: false });
      try {
        // A new origin (new port): no service worker yet, so the first load is not isolated.
        await browser.goto(server.url);
        await step(browser, 'page reloads itself once isolated', () =>
          browser.waitFor(() => self.crossOriginIsolated === true && Boolean(navigator.serviceWorker.controller), null, 30000));
        const notice = await browser.evaluate(() => document.querySelector('[data-notice-id="no-sab"]') !== null);
        assert.equal(notice, false, 'the one-thread warning is gone once isolated');
      } finally {
        await server.close();
      }
    });

    test('picking the local test model marks the right radio button', { skip: missingShared() ?? false }, async () => {
      const server = await serve();
      try {
        await browser.goto(server.url);
        await step(browser, 'page ready', () =>
          browser.waitFor(() => document.body.dataset.ready === 'true', null, 30000));
        await step(browser, 'click on the tiny-py radio button', () => browser.click(TINY_PY_RADIO));
        const checked = await browser.evaluate(() => document.querySelector('#preset-list input:checked')?.id ?? 'none');
        assert.equal(`#${checked}`, TINY_PY_RADIO);
      } finally {
        await server.close();
      }
    });
  });
}
