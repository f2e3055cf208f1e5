// One benchmark pass of a wasm engine in a fresh headless Firefox ESR (puppeteer-core over
// WebDriver BiDi, the Debian build), with the browser's default preferences: what users get.
// Puppeteer cannot reach Firefox's workers, so wllama's wasm memory is not read here; ours
// reports its own. Peak RSS is the largest content process's VmHWM.
import puppeteer from 'puppeteer-core';
import { runOnBenchPage } from './bench_page.mjs';
import { ourProcesses, peakRssBytes } from './cpu_monitor.mjs';


export const notes = [
  'Firefox: wllama\'s wasm memory is not measured (puppeteer cannot evaluate in Firefox workers).',
];

function launch() {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
    args: ['--no-remote'],
    // One pass is one page evaluation; wllama's in Firefox runs past puppeteer's default 180 s
    // (its 2-thread Q4_K_M pass did), and the harness bounds each pass itself.
    protocolTimeout: 30 * 60 * 1000,
  });
}

export async function browserVersion() {
  const browser = await launch();
  try {
    return (await browser.version()).replace(/^firefox\//i, 'Firefox ESR ');
  } finally {
    await browser.close();
  }
}

export function contentPeakRss() {
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
    const result = await runOnBenchPage(page, origin, engine, job, 'Firefox');
    result.peakRssBytes = contentPeakRss();
    result.browser = (await browser.version()).replace(/^firefox\//i, 'Firefox ESR ');
    return result;
  } finally {
    await browser.close();
  }
}
