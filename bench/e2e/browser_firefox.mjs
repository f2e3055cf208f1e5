// One benchmark pass of a wasm engine in a fresh headless Firefox ESR (puppeteer-core over
// WebDriver BiDi, the Debian build), with the browser's default preferences: what users get.
// Puppeteer cannot reach Firefox's workers, so wllama's wasm memory is not read here; ours
// reports its own. Peak RSS is the largest content process's VmHWM.
import puppeteer from 'puppeteer-core';
import { ourProcesses, peakRssBytes } from './cpu_monitor.mjs';

const RUNNERS = { ours: '/bench/run_ours.js', wllama: '/bench/run_wllama.js' };

export const notes = [
  'Firefox: wllama\'s wasm memory is not measured (puppeteer cannot evaluate in Firefox workers).',
];

function launch() {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
    args: ['--no-remote'],
  });
}

export async function firefoxVersion() {
  const browser = await launch();
  try {
    return (await browser.version()).replace(/^firefox\//i, 'Firefox ESR ');
  } finally {
    await browser.close();
  }
}

function contentPeakRss() {
  const pids = ourProcesses((argv) => argv.join(' ').includes('-contentproc'));
  const peaks = pids.map(peakRssBytes).filter((b) => b !== null);
  return peaks.length ? Math.max(...peaks) : null;
}

export async function runIn(origin, engine, job, log) {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => log(`[${engine} firefox pageerror] ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') log(`[${engine} firefox console.${m.type()}] ${m.text().slice(0, 500)}`);
    });
    await page.goto(`${origin}/bench/index.html`);
    if (!(await page.evaluate(() => crossOriginIsolated))) {
      throw new Error('the bench page is not crossOriginIsolated in Firefox: check the server headers');
    }
    const fetchRef = await page.evaluate(async (url) => {
      const t0 = performance.now();
      const response = await fetch(url, { cache: 'no-store' });
      const reader = response.body.getReader();
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.length;
      }
      return { ms: performance.now() - t0, bytes };
    }, job.modelUrl);
    const result = await page.evaluate(
      async (runner, job) => (await import(runner)).run(job),
      RUNNERS[engine], job,
    );
    result.fetchMs = fetchRef.ms;
    result.fileBytes = fetchRef.bytes;
    result.peakRssBytes = contentPeakRss();
    result.browser = (await browser.version()).replace(/^firefox\//i, 'Firefox ESR ');
    return result;
  } finally {
    await browser.close();
  }
}
