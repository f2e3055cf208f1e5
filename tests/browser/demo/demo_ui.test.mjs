// The built demo page without a model: layout, presets, settings, the service worker (offline
// shell, COOP/COEP added for hosts without headers), the Content-Security-Policy and a narrow
// viewport. (The Markdown renderer's DOM: markdown_dom.test.mjs.)
// Runs in Chromium (playwright-core), Firefox ESR (puppeteer-core) and WebKit with
// SharedArrayBuffer (webkit-sab, selenium-webdriver).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, missingBrowser } from '../browsers.mjs';
import { serve, artifact, step, missingShared, waitForOfflineReady, TINY_PY_RADIO } from './support.mjs';

// WebKit runs as Safari does on this isolated page (webkit-sab: SharedArrayBuffer exposed).
// WebKitGTK as shipped hides SharedArrayBuffer even on an isolated page, and these cases
// check the isolated page's threads (the SharedArrayBuffer it gets, the one-thread notice
// gone once isolated): the package suite checks that variant's single-thread fallback and its
// reason, demo_chat its chat and offline reload.
const NO_SAB = 'WebKitGTK hides SharedArrayBuffer even on an isolated page, and these cases check the isolated page\'s threads: webkit-sab runs them as Safari would; demo_chat and the package suite cover plain webkit';

for (const engine of ENGINES) {
  const skip = missingBrowser(engine) ?? (engine.name === 'webkit' ? NO_SAB : null);
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

    // (eval cannot be checked from here: code the test driver evaluates is exempt from CSP.)
    test('the Content-Security-Policy stops script injected into the page', async () => {
      const server = await serve();
      try {
        await browser.goto(server.url);
        await step(browser, 'page ready', () => browser.waitFor(() => document.body.dataset.ready === 'true', null, 30000));
        const outcome = await browser.evaluate(() => new Promise((resolve) => {
          self.cspInjected = false;
          document.addEventListener('securitypolicyviolation', (e) =>
            resolve({ injected: self.cspInjected, directive: e.effectiveDirective, policy: e.originalPolicy }), { once: true });
          const script = document.createElement('script');
          script.textContent = 'self.cspInjected = true;';
          document.body.append(script);
        }));
        assert.equal(outcome.injected, false, 'an inline script ran');
        assert.match(outcome.directive, /^script-src/);
        assert.doesNotMatch(outcome.policy, /'unsafe-inline'|'unsafe-eval'/);
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
        // The app's module has run (WebKit's WebDriver refresh can answer before it did).
        await browser.waitFor(() => document.body.dataset.ready, null, 30000);
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
        await browser.evaluate(() => { window.sameDocument = true; });
        await step(browser, 'service worker installed and controlling', () => waitForOfflineReady(browser));
        // A first visit's worker brings no other release: taking control must not reload the
        // page (it did in WebKit on a busy machine, sw_register.js says how).
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const stayed = await browser.evaluate(() => ({
          same: window.sameDocument === true,
          navigation: performance.getEntriesByType('navigation')[0]?.type,
        }));
        assert.deepEqual(stayed, { same: true, navigation: 'navigate' }, 'the first visit stays on its page');
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
