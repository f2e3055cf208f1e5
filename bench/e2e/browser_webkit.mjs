// One benchmark pass of a wasm engine in a fresh WebKit: WebKitGTK's MiniBrowser under its own
// Xvfb, driven through WebKitWebDriver by the browser tests' launcher (tests/browser), with
// SharedArrayBuffer exposed (JSC_useSharedArrayBuffer=1), as Safari exposes it on a
// cross-origin isolated page. WebKit has no relaxed SIMD, so both engines run SIMD128 builds.
// A fresh browser per pass gives every pass new web processes, so the peak RSS (VmHWM) of the
// largest one belongs to that pass alone.
import { browserEngine } from '../../tests/browser/browsers.mjs';
import { runOnBenchPage } from './bench_page.mjs';
import { ourProcesses, peakRssBytes } from './cpu_monitor.mjs';

export const notes = [
  'WebKit: WebKitGTK\'s MiniBrowser with JSC_useSharedArrayBuffer=1 (WebKitGTK hides SharedArrayBuffer without it; Safari exposes it on cross-origin isolated pages). WebKit has neither JSPI nor memory64, so wllama runs its compat build (Asyncify, 32-bit memory; @wllama/wllama-compat 3.8.1), keeping its download in memory (no OPFS under WebDriver). wllama\'s wasm memory is not measured (WebDriver cannot evaluate in workers).',
];

// JavaScriptCore's wasm loop OSR stays on, as users have it (the suites turn it off for its
// Linux x86-64 fault, tests/browser/webkit.mjs): a pass it crashes is reported as failed.
const launch = () => browserEngine('webkit-sab').launch({ wasmOsr: true });

/** Pids of the WebKit web processes (the pages and their workers) under this Node process. */
export function webProcesses() {
  return ourProcesses((argv) => (argv[0] ?? '').endsWith('/WebKitWebProcess'));
}

/** Peak RSS (VmHWM) of the largest of `pids`, or null when none could be read. */
export function largestPeakRss(pids) {
  const peaks = pids.map(peakRssBytes).filter((b) => b !== null);
  return peaks.length ? Math.max(...peaks) : null;
}

/** Peak RSS of WebKit's network process, which holds an ephemeral session's storage. */
export function networkProcessPeakRss() {
  return largestPeakRss(ourProcesses((argv) => (argv[0] ?? '').endsWith('/WebKitNetworkProcess')));
}

export async function browserVersion() {
  const browser = await launch();
  try {
    return browser.version;
  } finally {
    await browser.close();
  }
}

export async function runIn(origin, engine, job) {
  const browser = await launch();
  try {
    const result = await runOnBenchPage(browser, origin, engine, job, 'WebKit');
    result.peakRssBytes = largestPeakRss(webProcesses());
    result.browser = browser.version;
    return result;
  } finally {
    await browser.close();
  }
}
