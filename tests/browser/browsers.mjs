// Launches the browsers the browser suites run in (tests/browser/demo, .../reliability,
// .../package), behind one small driver interface so the same scenario runs in each: Debian's
// Chromium through playwright-core, Debian's Firefox ESR through puppeteer-core (WebDriver
// BiDi), and WebKit (WebKitGTK's MiniBrowser, see webkit.mjs) through selenium-webdriver, the
// last in two variants: `webkit` as WebKitGTK ships (no SharedArrayBuffer, so the
// single-thread build runs) and `webkit-sab` as Safari behaves on an isolated page
// (SharedArrayBuffer, so the multi-thread build runs).
// Each launch gets a fresh profile; newPage() opens another tab of the same profile (so the
// tabs share Cache Storage), and processMemory() sums the resident memory of the browser's
// process tree (the one memory figure every browser gives).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { missingWebKit, startWebKit, MINIBROWSER_PATH } from './webkit.mjs';
import { symbolizeCrash } from '../../tools/wasm-frames.mjs';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const FIREFOX_PATH = '/usr/bin/firefox-esr';

export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// BROWSERS=chromium (or firefox, webkit, webkit-sab, a comma-separated list; DEMO_BROWSERS is
// the older name) runs those engines only, when iterating on a failure.
const ONLY = process.env.BROWSERS || process.env.DEMO_BROWSERS;
const ALL_ENGINES = [
  { name: 'chromium', binary: CHROMIUM_PATH, sharedArrayBuffer: true, launch: launchChromium },
  { name: 'firefox', binary: FIREFOX_PATH, sharedArrayBuffer: true, launch: launchFirefox },
  { name: 'webkit', binary: MINIBROWSER_PATH, sharedArrayBuffer: false, launch: (o) => launchWebKit('webkit', false, o) },
  { name: 'webkit-sab', binary: MINIBROWSER_PATH, sharedArrayBuffer: true, launch: (o) => launchWebKit('webkit-sab', true, o) },
];
export const ENGINES = ALL_ENGINES.filter((e) => !ONLY || ONLY.split(',').includes(e.name));

/** One engine by name, whatever BROWSERS says (bench/e2e launches WebKit through this). */
export function browserEngine(name) {
  const engine = ALL_ENGINES.find((e) => e.name === name);
  if (!engine) throw new Error(`unknown browser engine ${name} (${ALL_ENGINES.map((e) => e.name).join(', ')})`);
  return engine;
}

/** The engines of ENGINES named in `names` (a suite that runs only some of them says why). */
export function enginesNamed(...names) {
  return ENGINES.filter((e) => names.includes(e.name));
}

export function missingBrowser(engine) {
  if (engine.name.startsWith('webkit')) return missingWebKit();
  return fs.existsSync(engine.binary) ? null : `${engine.binary} is not installed (apt-get install ${engine.name === 'chromium' ? 'chromium' : 'firefox-esr'})`;
}

function freshProfile(name) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `smollm-browser-${name}-`));
}

// The browser's processes: every process whose command line names `profile` (or whose pid it
// is), and all their descendants (renderers, content processes, GPU and utility processes),
// each with its parent, command line, resident bytes, state (R running, S sleeping, D in the
// kernel...) and CPU seconds so far.
function processTree(profile) {
  const isRoot = typeof profile === 'number' ? (pid) => pid === profile : (pid, p) => p.cmd.includes(profile);
  const procs = new Map();
  const ticks = 100;   // USER_HZ on Linux
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      procs.set(Number(pid), { ppid: Number(fields[1]), cmd, rss, state: fields[0],
        comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        cpu: (Number(fields[11]) + Number(fields[12])) / ticks });
    } catch {
      // the process ended while we looked
    }
  }
  const tree = new Set([...procs].filter(([pid, p]) => pid !== process.pid && isRoot(pid, p)).map(([pid]) => pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of procs) {
      if (!tree.has(pid) && tree.has(p.ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return new Map([...tree].map((pid) => [pid, procs.get(pid)]));
}

// Resident bytes of the browser's processes (processTree), summed.
export function processTreeRss(profile) {
  let bytes = 0;
  const tree = processTree(profile);
  for (const p of tree.values()) bytes += p.rss;
  return { bytes, processes: tree.size };
}

// What each of the browser's processes is doing, for a failure's message when the page stops
// answering: its state and the CPU it used over one second (a process spinning reads R and
// ~100%; one waiting for an answer that never comes, S and ~0%).
export async function processStates(profile) {
  const before = processTree(profile);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return [...processTree(profile)].map(([pid, p]) => {
    const type = /--type=([\w-]+)/.exec(p.cmd)?.[1];   // Chromium's renderer, gpu-process...
    const name = type ? `${p.comm} (${type})` : p.comm;
    const used = before.has(pid) ? `${Math.round((p.cpu - before.get(pid).cpu) * 100)}% CPU` : 'new';
    return `${pid} ${name} ${p.state} ${used} (${p.cpu.toFixed(1)} s in all)`;
  });
}

// options.serviceWorkers === false: a browser where service workers cannot run, to see the
// page on a host without COOP/COEP and without the worker's help. options.measureMemory:
// Chromium reports exact (not bucketed) performance.memory and the page may call gc().
async function launchChromium(options = {}) {
  const { chromium } = await import('playwright-core');
  const profile = freshProfile('chromium');
  const memoryArgs = options.measureMemory ? ['--enable-precise-memory-info', '--js-flags=--expose-gc'] : [];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...memoryArgs],
    viewport: { width: 1280, height: 900 },
    serviceWorkers: options.serviceWorkers === false ? 'block' : 'allow',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    ...chromiumPage(page),
    newPage: async () => chromiumPage(await context.newPage()),
    processMemory: () => processTreeRss(profile),
    processStates: () => processStates(profile),
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

function chromiumPage(page) {
  return {
    engine: 'chromium',
    log: collectLog(page),
    goto: (url) => page.goto(url, { waitUntil: 'load' }),
    reload: () => page.reload({ waitUntil: 'load' }),
    click: (selector) => page.click(selector),
    type: (selector, text) => page.fill(selector, text),
    press: (selector, key) => page.press(selector, key),
    upload: (selector, file) => page.setInputFiles(selector, file),
    evaluate: (fn, arg) => withCrashFrames(page.evaluate(fn, arg)),
    waitFor: (fn, arg, timeout) => pollUntil(page, fn, arg, timeout),
    screenshot: (file, fullPage = false) => page.screenshot({ path: file, fullPage }),
    setViewport: (width, height) => page.setViewportSize({ width, height }),
    closePage: () => page.close(),
  };
}

async function launchFirefox(options = {}) {
  const { default: puppeteer } = await import('puppeteer-core');
  const profile = freshProfile('firefox');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    userDataDir: profile,
    defaultViewport: { width: 1280, height: 900 },
    // Puppeteer's default of 180 s turns one lost answer into three minutes of CI time.
    protocolTimeout: 60000,
    extraPrefsFirefox: options.serviceWorkers === false ? { 'dom.serviceWorkers.enabled': false } : {},
  });
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  return {
    ...firefoxPage(page),
    newPage: async () => firefoxPage(await browser.newPage()),
    processMemory: () => processTreeRss(profile),
    processStates: () => processStates(profile),
    close: async () => {
      await browser.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

function firefoxPage(page) {
  return {
    engine: 'firefox',
    log: collectLog(page),
    goto: (url) => firefoxNavigation(() => page.goto(url, { waitUntil: 'load' }), `navigation to ${url}`),
    reload: () => firefoxNavigation(() => page.reload({ waitUntil: 'load' }), 'reload'),
    click: (selector) => firefoxClick(page, selector),
    type: async (selector, text) => {
      await page.$eval(selector, (el, value) => {
        el.value = value;
        el.dispatchEvent(new Event('input', { bubbles: true }));
      }, text);
    },
    press: async (selector, key) => {
      await page.focus(selector);
      await page.keyboard.press(key);
    },
    upload: async (selector, file) => {
      const input = await page.$(selector);
      await input.uploadFile(file);
    },
    evaluate: (fn, arg) => withCrashFrames(firefoxEvaluate(page, fn, arg)),
    waitFor: (fn, arg, timeout) => pollUntil(page, fn, arg, timeout),
    screenshot: (file, fullPage = false) => page.screenshot({ path: file, fullPage }),
    setViewport: (width, height) => page.setViewport({ width, height }),
    closePage: () => page.close(),
  };
}

// A Firefox navigation, bounded and sent again when it goes unanswered. A CI run showed
// Firefox's browsingContext.navigate never answering (puppeteer gave up after the whole 60 s
// protocol timeout: "browsingContext.navigate timed out") right after the test whose page
// reloads itself under a new service worker, so a navigation racing one the page started is
// the likely cause; a second navigation supersedes both. The abandoned attempt's late answer
// is dropped.
const NAVIGATION_TIMEOUT_MS = 20000;
const NAVIGATION_ATTEMPTS = 3;

async function firefoxNavigation(navigate, what) {
  for (let attempt = 1; ; ++attempt) {
    try {
      return await withTimeout(navigate(), NAVIGATION_TIMEOUT_MS, `${what} (attempt ${attempt} of ${NAVIGATION_ATTEMPTS})`);
    } catch (error) {
      if (attempt >= NAVIGATION_ATTEMPTS) throw error;
    }
  }
}

// Runs fn(arg) in a Firefox page and returns its (awaited) result, started by one short
// protocol call and collected by short polls. One call awaiting the whole evaluation would be
// bounded by puppeteer's protocol timeout (60 s), whatever the evaluation does: a page that
// runs 300 aborted loads (reliability) or compiles and compares two builds (relaxed SIMD)
// takes seconds on a quiet machine and can pass 60 s on a busy one, and then failed with
// "script.callFunction timed out" while the page was still working. Each call here answers
// at once; the test's own timeout bounds the evaluation. A navigation in between loses the
// result, as a plain evaluate would ("execution context was destroyed").
let firefoxEvaluations = 0;
async function firefoxEvaluate(page, fn, arg) {
  const id = `f${++firefoxEvaluations}`;
  // The function's source is part of the started function (page.evaluate sends it as the
  // function to call: nothing is eval'd in the page, so a page CSP without 'unsafe-eval'
  // allows it, as it allows a plain page.evaluate).
  // eslint-disable-next-line no-new-func
  const start = new Function('arg', 'id', `
    const slots = (window.__smollmEvaluations ??= new Map());
    const slot = { done: false };
    slots.set(id, slot);
    Promise.resolve().then(() => (${String(fn)})(arg)).then(
      (value) => { slot.done = true; slot.value = value === undefined ? null : value; },
      (error) => { slot.done = true; slot.error = String(error && error.message || error); });`);
  await page.evaluate(start, arg ?? null, id);
  for (let wait = 0; ; wait = Math.min(100, wait * 2 + 5)) {
    if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
    // A poll left unanswered (seen in Firefox while a navigation settles) is asked again; the
    // slot is removed only once its result has arrived here.
    const slot = await withTimeout(page.evaluate((key) => {
      const found = window.__smollmEvaluations && window.__smollmEvaluations.get(key);
      if (!found) return { lost: true };
      return found.done ? found : null;
    }, id), EVALUATE_TIMEOUT_MS, 'page.evaluate (collecting a result)').catch((error) => {
      if (/did not answer/.test(error.message)) return null;
      throw error;
    });
    if (!slot) continue;
    if (slot.lost) throw new Error('the page navigated away during the evaluation (execution context was destroyed)');
    page.evaluate((key) => { window.__smollmEvaluations.delete(key); }, id).catch(() => {});
    if ('error' in slot) throw new Error(slot.error);
    return slot.value;
  }
}

// A real mouse click in Firefox, in steps that each fail with a name instead of hanging.
// puppeteer's page.click first waits for an IntersectionObserver callback (its "is the element
// in view" test), which needs a rendered frame, and the one Firefox step that failed in CI,
// twice, was such a click (its cause was never seen: CI showed no message). Scrolling the
// element to the middle of the viewport and reading its box is plain script, retried like any
// poll; the click itself is one input action.
async function firefoxClick(page, selector) {
  const point = await pollUntil(page, (sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    // 'instant', so the box is read after the scroll whatever the page's scroll-behavior.
    el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
    const box = el.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    const inView = x >= 0 && y >= 0 && x < window.innerWidth && y < window.innerHeight;
    return box.width > 0 && box.height > 0 && inView ? { x, y } : null;   // else poll again
  }, selector, 20000).catch((error) => {
    throw new Error(`click on ${selector}: the element was not found or not visible (${error.message})`);
  });
  try {
    await withTimeout(page.mouse.click(point.x, point.y), 20000, `click on ${selector}: the mouse input action`);
  } catch (error) {
    // Firefox checks the point against the window's own size, which can differ from the
    // emulated viewport the page measured in (a CI run: point (221, 1161), window 1366x682).
    // It rejects such an action before dispatching anything, so clicking through the DOM
    // instead cannot click twice.
    if (!/out of bounds/i.test(error.message)) throw error;
    await withTimeout(page.$eval(selector, (el) => el.click()), EVALUATE_TIMEOUT_MS, `click on ${selector}: DOM click`);
  }
}

// WebKit through WebDriver classic: one session, whose windows are the pages. The session
// runs one command at a time on its current window, so each page's command switches to its
// window first, under a lock. WebDriver classic has no console events, and MiniBrowser's
// console-to-stdout setting does not reach the views it opens for automation, so the log
// stays empty. options.serviceWorkers === false has no WebDriver equivalent;
// options.measureMemory needs nothing (memory is the process tree's); options.wasmOsr: see
// webkit.mjs (off unless asked for).
async function launchWebKit(name, sharedArrayBuffer, options = {}) {
  if (options.serviceWorkers === false) throw new Error(`${name}: service workers cannot be turned off through WebDriver`);
  const log = [];
  // What the driver, MiniBrowser and WebKit's processes write (their warnings and crash
  // reports) goes to the log that failures print: WebDriver gives no console. WEBKIT_OUTPUT=1
  // also echoes it live.
  const session = await startWebKit({
    sharedArrayBuffer,
    wasmOsr: options.wasmOsr === true,
    onOutput: (text) => {
      for (const line of text.split('\n')) if (line.trim()) log.push(`[webkit] ${line.trim()}`);
      if (process.env.WEBKIT_OUTPUT) process.stderr.write(text);
    },
  });
  const { driver } = session;
  let current = await driver.getWindowHandle();
  let queue = Promise.resolve();
  const inWindow = (handle, command) => {
    const turn = queue.then(async () => {
      if (current !== handle) {
        await driver.switchTo().window(handle);
        current = handle;
      }
      return command(driver);
    });
    queue = turn.catch(() => {});
    return turn;
  };
  const first = webkitPage(name, log, current, inWindow);
  await first.setViewport(1280, 900);
  return {
    ...first,
    version: session.version,
    newPage: async () => {
      const handle = await inWindow(current, async (d) => {
        await d.switchTo().newWindow('tab');
        current = await d.getWindowHandle();
        return current;
      });
      return webkitPage(name, log, handle, inWindow);
    },
    processMemory: () => processTreeRss(session.rootPid),
    processStates: () => processStates(session.rootPid),
    close: () => session.close(),
  };
}

// W3C key values for the keys the suites press.
const WEBDRIVER_KEYS = { Enter: '\uE007', Escape: '\uE00C', Tab: '\uE004' };

function webkitPage(name, log, handle, inWindow) {
  const page = {
    engine: name,
    log,
    goto: (url) => inWindow(handle, (d) => d.get(url)),
    reload: () => inWindow(handle, (d) => d.navigate().refresh()),
    click: (selector) => inWindow(handle, async (d) => (await d.findElement({ css: selector })).click()),
    type: (selector, text) => page.evaluate(([sel, value]) => {
      const el = document.querySelector(sel);
      el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, [selector, text]),
    press: (selector, key) => inWindow(handle, async (d) => (await d.findElement({ css: selector })).sendKeys(WEBDRIVER_KEYS[key] ?? key)),
    upload: (selector, file) => inWindow(handle, async (d) => (await d.findElement({ css: selector })).sendKeys(file)),
    evaluate: (fn, arg) => withCrashFrames(webkitEvaluate(inWindow, handle, fn, arg)),
    waitFor: (fn, arg, timeout) => pollUntil(page, fn, arg, timeout),
    // WebDriver captures the viewport only, so fullPage is not honoured.
    screenshot: async (file) => fs.writeFileSync(file, Buffer.from(await inWindow(handle, (d) => d.takeScreenshot()), 'base64')),
    setViewport: (width, height) => inWindow(handle, (d) => d.manage().window().setRect({ width, height })),
    closePage: () => inWindow(handle, (d) => d.close()),
  };
  return page;
}

// Runs fn(arg) in the page and returns its (awaited) result. A WebDriver script holds the
// session until it returns, so a long evaluation would block every other window's commands
// (the two-tab test runs two at once): the function starts in one short script and its
// result is collected by short polls. A navigation in between loses it, as in the other
// drivers ("execution context was destroyed").
let evaluations = 0;
async function webkitEvaluate(inWindow, handle, fn, arg) {
  const id = `e${++evaluations}`;
  // The function's source goes into the script itself: an eval() in the page would be refused
  // by a page whose Content-Security-Policy has no 'unsafe-eval' (the demo's), while the
  // script WebDriver runs is not subject to it.
  await inWindow(handle, (d) => d.executeScript(`
    const [arg, id] = arguments;
    const slots = (window.__smollmEvaluations ??= new Map());
    const slot = { done: false };
    slots.set(id, slot);
    Promise.resolve().then(() => (${String(fn)})(arg)).then(
      (value) => { slot.done = true; slot.value = value === undefined ? null : value; },
      (error) => { slot.done = true; slot.error = String(error && error.message || error); });`, arg ?? null, id));
  for (let wait = 0; ; wait = Math.min(100, wait * 2 + 5)) {
    if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
    const slot = await inWindow(handle, (d) => d.executeScript(`
      const slot = window.__smollmEvaluations && window.__smollmEvaluations.get(arguments[0]);
      if (!slot) return { lost: true };
      if (!slot.done) return null;
      window.__smollmEvaluations.delete(arguments[0]);
      return slot;`, id));
    if (!slot) continue;
    if (slot.lost) throw new Error('the page navigated away during the evaluation (execution context was destroyed)');
    if ('error' in slot) throw new Error(slot.error);
    return slot.value;
  }
}

// Polls a (possibly async) page function from Node until it returns something truthy. Both
// libraries' own waitForFunction treat a returned Promise as truthy at once; this awaits it,
// and survives the page navigating (reloading) in between. The function must return plain
// data: a DOM element comes back from Firefox (BiDi) as a falsy value.
// Each evaluation is bounded too: Firefox (BiDi) has been seen to leave one unanswered for the
// whole protocol timeout when it was sent while a navigation settled; a fresh one is answered.
async function pollUntil(page, fn, arg, timeout = 60000) {
  const deadline = Date.now() + timeout;
  let lastError = null;
  for (;;) {
    try {
      const budget = Math.max(1000, Math.min(EVALUATE_TIMEOUT_MS, deadline - Date.now()));
      const value = await withTimeout(page.evaluate(fn, arg), budget, 'page.evaluate');
      if (value) return value;
      lastError = null;
    } catch (error) {
      lastError = error; // e.g. "execution context was destroyed" during a reload
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${String(fn).slice(0, 160)}` +
        (lastError ? ` (last error: ${lastError.message.split('\n')[0]})` : ''));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const EVALUATE_TIMEOUT_MS = 10000;

// An engine crash that reaches a test names its wasm functions by index (EngineCrashedError);
// the failure also shows their names from this checkout's symbol maps, since a crash seen
// once in a CI run may not come back.
/**
 * @template T
 * @param {Promise<T>} promise
 * @returns {Promise<T>}
 */
export async function withCrashFrames(promise) {
  try {
    return await promise;
  } catch (error) {
    const frames = error instanceof Error ? symbolizeCrash(error.message) : null;
    if (frames) error.message += `\n${frames}`;
    throw error;
  }
}

// Rejects when the promise has not settled in time; the late result (or error) is dropped.
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer in ${ms} ms`)), ms);
  });
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Console errors and page errors, for messages when an assertion fails.
function collectLog(page) {
  const lines = [];
  page.on('console', (msg) => {
    const type = typeof msg.type === 'function' ? msg.type() : msg.type;
    if (type === 'error' || type === 'warning' || type === 'warn') lines.push(`[console.${type}] ${msg.text()}`);
  });
  page.on('pageerror', (error) => lines.push(`[pageerror] ${error?.message ?? error}`));
  return lines;
}
