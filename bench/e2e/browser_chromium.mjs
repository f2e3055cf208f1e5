// One benchmark pass of a wasm engine in a fresh headless Chromium (playwright-core, the
// Debian build). A fresh browser per pass gives every pass a new renderer process, so its
// peak RSS (VmHWM) belongs to that pass alone.
import { chromium } from 'playwright-core';
import { runOnBenchPage } from './bench_page.mjs';
import { ourProcesses, peakRssBytes } from './cpu_monitor.mjs';

export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];


export async function browserVersion() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    return `Chromium ${browser.version()}`;
  } finally {
    await browser.close();
  }
}

// Reads the size of wllama's wasm memory: its worker keeps the Emscripten `wasmMemory` as a
// global. Idle pthread workers sit in Atomics.wait and never answer an evaluate, hence the
// timeout. Our package reports its own size through memoryUsage().
async function wllamaWasmBytes(page) {
  let best = null;
  for (const worker of page.workers()) {
    const probe = worker
      .evaluate(() => (typeof wasmMemory === 'object' && wasmMemory ? wasmMemory.buffer.byteLength : null))
      .catch(() => null);
    const bytes = await Promise.race([probe, new Promise((r) => setTimeout(() => r(null), 2000))]);
    if (bytes !== null) best = Math.max(best ?? 0, bytes);
  }
  return best;
}

export function rendererPeakRss() {
  // Renderers rewrite their title, so the whole command line may be one string.
  const pids = ourProcesses((argv) => {
    const line = argv.join(' ');
    return line.includes('--type=renderer') && !line.includes('--top-chrome-webui');
  });
  const peaks = pids.map(peakRssBytes).filter((b) => b !== null);
  return peaks.length ? Math.max(...peaks) : null;
}

/**
 * @param origin the bench server's origin
 * @param engine 'ours' | 'wllama'
 * @param job see jobs.mjs (modelUrl relative to origin)
 * @param log (line) => void for page errors and console output worth keeping
 */
export async function runIn(origin, engine, job, log) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => log(`[${engine} pageerror] ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') log(`[${engine} console.${m.type()}] ${m.text().slice(0, 500)}`);
    });
    const result = await runOnBenchPage(page, origin, engine, job, 'Chromium');
    if (engine === 'wllama') result.wasmMemoryBytes = await wllamaWasmBytes(page);
    result.peakRssBytes = rendererPeakRss();
    result.browser = `Chromium ${browser.version()}`;
    return result;
  } finally {
    await browser.close();
  }
}
