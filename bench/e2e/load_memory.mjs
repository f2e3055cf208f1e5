// Tab memory of a first (caching) load and of a cached load (issue 19): our package in one
// browser profile on disk, loading only (no generation). Pass 1 has the cache off (the
// reference); pass 2 has it on and starts with an empty cache, so the model is downloaded and
// stored; pass 3 relaunches the browser on that profile, so the model comes from the cache. Each pass is a fresh browser, so the peak RSS (VmHWM) of the
// process that runs the tab (Chromium's renderer, Firefox's largest content process) belongs
// to that pass alone. A profile on disk, not an incognito context: there Cache Storage lives
// in memory, which is not what a user's first visit costs.
//
// WebKit (WebKitGTK's MiniBrowser through WebKitWebDriver) differs in two ways. Its automation
// session is always ephemeral (MiniBrowser --automation opens no profile on disk), so nothing
// stored survives a relaunch: the cached load runs in a new tab of the session that made the
// first load, after that tab's page is closed. That costs no accuracy: every navigation gets
// a web process of its own (process swap), so the peak RSS (VmHWM) of the web processes that
// appeared during a pass is that pass's. And the stored bytes live in the network process's
// memory (an ephemeral session's IndexedDB / Cache Storage), not on disk as in Safari: its
// peak is recorded apart, never counted as the tab's. Both WebKit configurations run, as the
// browser tests name them: `webkit` (no SharedArrayBuffer, as WebKitGTK ships: the
// single-thread build, 1 thread) and `webkit-sab` (JSC_useSharedArrayBuffer=1, Safari's
// cross-origin isolated page: the multi-thread build).
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
    checkPhases(result, expectPhase);
    result.peakRssBytes = b.peakRss();
    return result;
  } finally {
    await b.close();
  }
}

// Which store holds the model after a load with the cache on (js/src/cache/index.js picks it
// by feature detection): Cache Storage entries and IndexedDB chunk-store entries, counted in
// the page. The names are the package's (browser-cache.js, idb-chunk-store.js).
async function storesInPage() {
  const opfs = typeof navigator.storage?.getDirectory === 'function';
  const cacheStorage = (await caches.has('smollm-wasm-models-v1'))
    ? (await (await caches.open('smollm-wasm-models-v1')).keys()).length : 0;
  const names = (await indexedDB.databases()).map((d) => d.name);
  let indexedDb = 0;
  if (names.includes('smollm-wasm-models')) {
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open('smollm-wasm-models');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    indexedDb = await new Promise((resolve, reject) => {
      const r = db.transaction('entries').objectStore('entries').count();
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    db.close();
  }
  return { opfs, cacheStorageEntries: cacheStorage, indexedDbEntries: indexedDb };
}

function checkPhases(result, expectPhase) {
  if (!result.phases.includes(expectPhase) || (expectPhase === 'cache' && result.phases.includes('download'))) {
    throw new Error(`the ${expectPhase === 'cache' ? 'second' : 'first'} load ran phases ${result.phases.join(', ')}`);
  }
}

// One load in `page` (a tab of tests/browser/browsers.mjs's WebKit driver). The tab's figure
// is the largest VmHWM of the web processes that did not exist before its navigation.
// afterGoto runs between the navigation and the load (closing the previous tab there).
async function webkitPass(page, origin, job, expectPhase, afterGoto = async () => {}) {
  const { webProcesses, largestPeakRss, networkProcessPeakRss } = await import('./browser_webkit.mjs');
  const before = new Set(webProcesses());
  await page.goto(`${origin}/bench/index.html`);
  await afterGoto();
  const result = await page.evaluate(async (j) => (await import('/bench/run_load.js')).run(j), job);
  checkPhases(result, expectPhase);
  const fresh = webProcesses().filter((pid) => !before.has(pid));
  if (!fresh.length) throw new Error('no new WebKit web process ran the page: its peak RSS would include an earlier load');
  result.peakRssBytes = largestPeakRss(fresh);
  result.networkPeakRssBytes = networkProcessPeakRss();
  if (job.cache) result.stores = await page.evaluate(storesInPage);
  return result;
}

async function withWebKit(variant, fn) {
  const { browserEngine } = await import('../../tests/browser/browsers.mjs');
  const browser = await browserEngine(variant).launch();
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

/** WebKit's passes for `variant` ('webkit' or 'webkit-sab'); the same record as the others' plus the threads used. */
async function runWebKitLoadMemory(variant, origin, job, log) {
  const { browserEngine } = await import('../../tests/browser/browsers.mjs');
  const threads = browserEngine(variant).sharedArrayBuffer ? job.threads : 1;
  const j = { ...job, threads };
  const off = await withWebKit(variant, (b) => webkitPass(b, origin, { ...j, cache: false }, 'download'));
  let version = null;
  const [first, cached] = await withWebKit(variant, async (b) => {
    version = b.version;
    const firstLoad = await webkitPass(b, origin, { ...j, cache: true }, 'download');
    log(`  ${variant}: first load done (${(firstLoad.loadMs / 1000).toFixed(1)} s); cached load in a new tab`);
    const tab = await b.newPage();
    // The first tab (and its loaded model) is closed once the new tab shows the origin, so
    // the session and its stored entry live on; the new tab's web process is its own.
    const cachedLoad = await webkitPass(tab, origin, { ...j, cache: true }, 'cache', () => b.closePage());
    return [firstLoad, cachedLoad];
  });
  return { off, first, cached, fileBytes: first.fileBytes, threads, browserVersion: version };
}

/** The configurations a browser's load-memory pass runs: WebKit's two, one for the others. */
export function loadMemoryVariants(browser) {
  return browser === 'webkit' ? ['webkit', 'webkit-sab'] : [browser];
}

/**
 * {off, first, cached, fileBytes}: each pass {loadMs, phases, fileBytes, wasmMemoryBytes,
 * peakRssBytes, storage}; WebKit's also networkPeakRssBytes and stores, and the record threads.
 * `browser` is a browser of bench/e2e or a variant from loadMemoryVariants().
 */
export async function runLoadMemory(browser, origin, job, log) {
  if (browser.startsWith('webkit')) return runWebKitLoadMemory(browser, origin, job, log);
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
