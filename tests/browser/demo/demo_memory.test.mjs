// The demo's memory settings with the tiny-py model: a KV cache type and a context picked in
// the model panel, kept across a reload, each choice labelled with its KV cache cost read from
// the model's header before loading; after the load, the page shows what the package reports
// (ModelInfo: contextSize, its reason, the cache type, kvCacheBytes), and the figure shown
// before loading must equal it. ?kv= and ?context= override the settings for a visit without
// changing them. Screenshots go to tests/artifacts/demo/. BROWSERS=chromium (etc.) narrows.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, missingBrowser } from '../browsers.mjs';
import { serve, artifact, step, missingShared, missingPackage, TINY_PY_RADIO, PAGE_QUERY, pickModel } from './support.mjs';

function memoryState() {
  const estimate = document.getElementById('memory-estimate');
  const loaded = document.getElementById('memory-loaded');
  const kv = document.getElementById('kv-type');
  const context = document.getElementById('context-size');
  return {
    kvType: kv.value,
    context: context.value,
    kvDisabled: kv.disabled,
    contextDisabled: context.disabled,
    kvOptions: [...kv.options].map((o) => o.textContent),
    contextOptions: [...context.options].map((o) => o.textContent),
    hints: [document.getElementById('kv-type-hint').textContent, document.getElementById('context-size-hint').textContent],
    estimate: estimate.textContent,
    estimateBytes: estimate.dataset.kvBytes ?? null,
    estimateContext: estimate.dataset.context ?? null,
    loaded: loaded.textContent,
    loadedBytes: loaded.dataset.kvBytes ?? null,
    loadedContext: loaded.dataset.context ?? null,
    loadedType: loaded.dataset.kvType ?? null,
    statContext: document.getElementById('stat-context').textContent,
    ready: document.getElementById('loaded-model').textContent,
  };
}

// Picks a choice the way a visitor does: the select's value, then its change event.
async function choose(browser, id, value) {
  await browser.evaluate(([selectId, v]) => {
    const select = document.getElementById(selectId);
    select.value = v;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  }, [id, value]);
}

// The tiny-py preset selected and its header read: the estimate carries a figure.
async function selectTinyPy(browser) {
  assert.equal(await pickModel(browser, TINY_PY_RADIO), 'read');
}

async function loadAndCompare(browser, { kvType, context }) {
  const before = await browser.evaluate(memoryState);
  // The click marks the button busy at once (its handler runs during the click), and the load
  // clears that when it ends: a previous load's lines are never taken for this one's.
  await browser.click('#load-button');
  await step(browser, 'model loads', () => browser.waitFor(() => {
    const error = document.querySelector('[data-notice-id="load"]');
    if (error) return `error: ${error.textContent}`;
    return document.getElementById('load-button').getAttribute('aria-busy') === 'false' &&
      document.getElementById('loaded-model').textContent.startsWith('Ready:') &&
      Boolean(document.getElementById('memory-loaded').dataset.kvBytes);
  }, null, 180000));
  const after = await browser.evaluate(memoryState);
  assert.equal(after.loadedType, kvType, after.loaded);
  assert.equal(after.loadedContext, before.estimateContext, 'the context loaded is the one shown before loading');
  if (context !== 'auto') assert.equal(after.loadedContext, context);
  assert.equal(after.loadedBytes, before.estimateBytes, `the KV cache shown before loading (${before.estimate}) is what the package reports (${after.loaded})`);
  // The figure in words, too: "KV cache 3.2 MiB (q8_0, 2,048 tokens)" in both lines.
  const figure = /KV cache [\d.,]+ [MG]iB \([^)]+\)/;
  assert.equal(after.loaded.match(figure)?.[0], before.estimate.match(figure)?.[0], `${before.estimate} / ${after.loaded}`);
  assert.match(after.statContext, new RegExp(`^0 of ${after.loadedContext} tokens$`));
  return after;
}

for (const engine of ENGINES) {
  const skip = missingBrowser(engine) ?? missingPackage() ?? missingShared();
  describe(`demo memory settings in ${engine.name}`, { skip: skip ?? false, timeout: 600000 }, () => {
    let browser;
    let server;
    before(async () => {
      server = await serve();
      browser = await engine.launch();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('a cache type and context picked before loading are what the model gets, at the cost shown', async () => {
      await browser.goto(`${server.url}${PAGE_QUERY}`);
      await selectTinyPy(browser);
      const initial = await browser.evaluate(memoryState);
      assert.deepEqual([initial.kvType, initial.context], ['q8_0', 'auto'], 'the defaults');
      // tiny-py: 6 layers, 2 KV heads of 64, trained on 2,048 tokens.
      assert.match(initial.estimate, /^KV cache 3\.2 MiB \(q8_0, 2,048 tokens\): the trained context/);
      assert.ok(initial.kvOptions.every((t) => /: [\d.]+ MiB$/.test(t)), `each type with its cost: ${initial.kvOptions}`);
      assert.ok(initial.contextOptions.every((t) => /: [\d.]+ MiB$/.test(t)), `each context with its cost: ${initial.contextOptions}`);
      assert.equal(initial.contextOptions[0], 'Auto (2,048, as trained): 3.2 MiB');

      await choose(browser, 'kv-type', 'q4_0');
      await choose(browser, 'context-size', '1024');
      const picked = await browser.evaluate(memoryState);
      assert.equal(picked.estimate, 'KV cache 0.8 MiB (q4_0, 1,024 tokens).');
      assert.equal(picked.estimateBytes, String(6 * 1024 * 2 * (128 / 32) * 18));
      assert.ok(picked.contextOptions.includes('2,048 tokens: 1.7 MiB'), `the contexts priced in q4_0: ${picked.contextOptions}`);

      // Kept across a reload.
      await browser.reload();
      await selectTinyPy(browser);
      const kept = await browser.evaluate(memoryState);
      assert.deepEqual([kept.kvType, kept.context], ['q4_0', '1024'], 'the choice survives a reload');
      await browser.screenshot(artifact(engine.name, 'memory-before-load'));
      await browser.setViewport(390, 844); // a phone: the selects keep their figures readable
      await browser.evaluate(() => document.querySelector('.memory-settings').scrollIntoView());
      await browser.screenshot(artifact(engine.name, 'memory-narrow'));
      await browser.setViewport(1280, 900);

      const loaded = await loadAndCompare(browser, { kvType: 'q4_0', context: '1024' });
      assert.match(loaded.loaded, /^Loaded: KV cache 0\.8 MiB \(q4_0, 1,024 tokens\)\. Context: requested \(context_size\)\.$/);
      await browser.screenshot(artifact(engine.name, 'memory-loaded'));
    });

    test('Auto in f16: the trained context, and the figure shown before loading', async () => {
      await choose(browser, 'kv-type', 'f16');
      await choose(browser, 'context-size', 'auto');
      const loaded = await loadAndCompare(browser, { kvType: 'f16', context: 'auto' });
      assert.equal(loaded.loadedContext, '2048');
      assert.match(loaded.loaded, /^Loaded: KV cache 6 MiB \(f16, 2,048 tokens\)\. Context: the model's trained context \(2048 tokens\) fits/);
    });

    test('?kv= and ?context= override the settings for the visit, and leave them as they were', async () => {
      await browser.goto(`${server.url}${PAGE_QUERY ? `${PAGE_QUERY}&` : '?'}kv=q8_0&context=300`);
      await selectTinyPy(browser);
      const forced = await browser.evaluate(memoryState);
      assert.deepEqual([forced.kvType, forced.context, forced.kvDisabled, forced.contextDisabled], ['q8_0', '300', true, true]);
      assert.match(forced.hints[0], /\?kv=q8_0/);
      assert.match(forced.hints[1], /\?context=300/);
      assert.equal(forced.estimate, 'KV cache 0.5 MiB (q8_0, 300 tokens).');
      await loadAndCompare(browser, { kvType: 'q8_0', context: '300' });
      await browser.goto(`${server.url}${PAGE_QUERY}`);
      await selectTinyPy(browser);
      const own = await browser.evaluate(memoryState);
      assert.deepEqual([own.kvType, own.context, own.kvDisabled], ['f16', 'auto', false], 'the saved choice is unchanged');
    });
  });
}
