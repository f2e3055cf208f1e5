// Tab memory of a first (caching) load and of a cached load (issue 19): our package in one
// browser profile on disk, loading only (no generation). Pass 1 has the cache off (the
// reference); pass 2 has it on and starts with an empty cache, so the model is downloaded and
// stored; pass 3 relaunches the browser on that profile, so the model comes from the cache. Each pass is a fresh browser, so the peak RSS (VmHWM) of the
// process that runs the tab (Chromium's renderer, Firefox's largest content process) belongs
// to that pass alone. A profile on disk, not an incognito context: there Cache Storage lives
// in memory, which is not what a user's first visit costs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

async function openChromium(profile) {
  const { chromium } = await import('playwright-core');
  const { CHROMIUM_ARGS, rendererPeakRss } = await import('./browser_chromium.mjs');
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const page = context.pages()[0] ?? (await context.newPage());
  return { page, peakRss: rendererPeakRss, close: () => context.close() };
}

async function openFirefox(profile) {
  const { default: puppeteer } = await import('puppeteer-core');
  const { contentPeakRss } = await import('./browser_firefox.mjs');
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, userDataDir: profile,
    args: ['--no-remote'], protocolTimeout: 30 * 60 * 1000,
  });
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  return { page, peakRss: contentPeakRss, close: () => browser.close() };
}

async function onePass(open, profile, origin, job, log, expectPhase) {
  const b = await open(profile);
  try {
    b.page.on('pageerror', (e) => log(`[load-memory pageerror] ${e.message}`));
    await b.page.goto(`${origin}/bench/index.html`);
    const result = await b.page.evaluate(async (j) => (await import('/bench/run_load.js')).run(j), job);
    if (!result.phases.includes(expectPhase) || (expectPhase === 'cache' && result.phases.includes('download'))) {
      throw new Error(`the ${expectPhase === 'cache' ? 'second' : 'first'} load ran phases ${result.phases.join(', ')}`);
    }
    result.peakRssBytes = b.peakRss();
    return result;
  } finally {
    await b.close();
  }
}

/** {off, first, cached}: each {loadMs, phases, fileBytes, wasmMemoryBytes, peakRssBytes, storage}. */
export async function runLoadMemory(browser, origin, job, log) {
  const open = browser === 'chromium' ? openChromium : openFirefox;
  const profile = mkdtempSync(path.join(tmpdir(), `smollm-bench-${browser}-`));
  try {
    const off = await onePass(open, profile, origin, { ...job, cache: false }, log, 'download');
    const first = await onePass(open, profile, origin, { ...job, cache: true }, log, 'download');
    const cached = await onePass(open, profile, origin, { ...job, cache: true }, log, 'cache');
    return { off, first, cached, fileBytes: first.fileBytes };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
