// WebKit, the engine of Safari, for the browser suites and the benchmark (bench/e2e imports
// startWebKit): Debian's WebKitGTK MiniBrowser, driven by WebKitWebDriver under a private
// Xvfb display, through selenium-webdriver (W3C WebDriver classic).
//
// Processes: each launch starts its own Xvfb (a free display picked by Xvfb itself through
// -displayfd) and its own WebKitWebDriver (a free port), each in a process group of its own;
// MiniBrowser and its web and network processes are the driver's descendants. close() ends
// both groups, and so does this process's exit, however a test ended. Both children also get
// SIGKILL from the kernel when this process dies without running its exit handlers (setpriv
// --pdeathsig), and MiniBrowser, once its X display is gone, exits by itself.
//
// SharedArrayBuffer: WebKitGTK hides it, even on a cross-origin isolated page, unless the
// WebKit processes run with JSC_useSharedArrayBuffer=1; Safari exposes it on isolated pages.
// `sharedArrayBuffer: true` launches the Safari-like variant.
//
// Loop on-stack replacement: JavaScriptCore on Linux x86-64 now and then gives a wasm function
// wrong values when it moves a running loop into a faster tier (WebKit bug 289009; Bun turns
// the feature off on Linux x64 for it, oven-sh/bun#26366). Here it trapped once in a few hundred
// loads under load, each time in another of our functions ("Out of bounds memory access" in
// memcmp from Vocab::detect_special_tokens, 4-5 in 600 loads, none in 600 with it off; "Out of
// bounds call_indirect" in the matmul job, with a kernel pointer that had read back as garbage).
// No page can turn it off, and Safari's platforms are not known to have the fault, so the
// suites launch WebKit with it off (JSC_useWasmOSR=0), to test our code and not that fault;
// `wasmOsr: true` keeps it as users have it (the benches, bench/reliability/load_loop.mjs).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

export const WEBKIT_DRIVER_PATH = '/usr/bin/WebKitWebDriver';
export const MINIBROWSER_PATH = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const XVFB_PATH = '/usr/bin/Xvfb';
const SETPRIV_PATH = '/usr/bin/setpriv';

const NEEDED = [[WEBKIT_DRIVER_PATH, 'webkit2gtk-driver'], [MINIBROWSER_PATH, 'webkit2gtk-driver'],
  [XVFB_PATH, 'xvfb'], [SETPRIV_PATH, 'util-linux']];

/** Why WebKit cannot run here (a sentence naming the apt packages), or null. */
export function missingWebKit() {
  const absent = NEEDED.filter(([file]) => !fs.existsSync(file));
  if (!absent.length) return null;
  return `${absent.map(([f]) => f).join(', ')} not installed (apt-get install ${[...new Set(absent.map(([, p]) => p))].join(' ')})`;
}

// Process groups started here and not yet ended; killed on exit whatever happened.
const liveGroups = new Set();
process.on('exit', () => {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
});

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function startChild(file, args, options) {
  const child = spawn(SETPRIV_PATH, ['--pdeathsig', 'KILL', '--', file, ...args], { ...options, detached: true });
  liveGroups.add(child.pid);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    liveGroups.delete(child.pid);
    resolve(signal ?? code);
  }));
  return { child, exited, pid: child.pid };
}

async function stopChild(proc) {
  if (!liveGroups.has(proc.pid)) return;
  killGroup(proc.pid, 'SIGTERM');
  const ended = await Promise.race([proc.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 3000))]);
  if (!ended) killGroup(proc.pid, 'SIGKILL');
  await proc.exited;
}

// Xvfb writes the display number it chose on fd 3 once it accepts connections.
async function startXvfb() {
  const proc = startChild(XVFB_PATH, ['-displayfd', '3', '-screen', '0', '1400x1000x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-2000); });
  const display = await new Promise((resolve, reject) => {
    let out = '';
    proc.child.stdio[3].on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.trim());
    });
    proc.exited.then((how) => reject(new Error(`Xvfb exited (${how}) before opening a display: ${stderr.trim()}`)));
    setTimeout(() => reject(new Error(`Xvfb opened no display in 30 s: ${stderr.trim()}`)), 30000);
  }).catch(async (error) => {
    await stopChild(proc);
    throw error;
  });
  return { ...proc, display: `:${display}` };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// The driver answers GET /status once it listens. Another process may take the port between
// freePort() and the driver's bind; the driver then exits and the caller tries another port.
async function startDriver(env, onOutput) {
  for (let attempt = 1; ; ++attempt) {
    const port = await freePort();
    const proc = startChild(WEBKIT_DRIVER_PATH, [`--port=${port}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.child.stdout.on('data', onOutput);
    proc.child.stderr.on('data', onOutput);
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30000;
    let exited = false;
    proc.exited.then(() => { exited = true; });
    while (!exited && Date.now() < deadline) {
      try {
        const response = await fetch(`${url}/status`);
        if (response.ok) return { ...proc, url };
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await stopChild(proc);
    if (attempt >= 3) throw new Error(`WebKitWebDriver did not answer on port ${port} (${exited ? 'it exited' : 'for 30 s'})`);
  }
}

/**
 * Xvfb + WebKitWebDriver + one MiniBrowser session.
 * @param options.sharedArrayBuffer expose SharedArrayBuffer (JSC_useSharedArrayBuffer=1)
 * @param options.wasmOsr keep JavaScriptCore's wasm loop OSR on (off by default: see above)
 * @param options.onOutput (text) => void, the driver's and MiniBrowser's output
 * @returns {Promise<{driver, version: string, rootPid: number, close: () => Promise<void>}>}
 */
export async function startWebKit({ sharedArrayBuffer = false, wasmOsr = false, onOutput = () => {} } = {}) {
  const missing = missingWebKit();
  if (missing) throw new Error(`WebKit cannot run: ${missing}`);
  const { Builder } = await import('selenium-webdriver');
  const xvfb = await startXvfb();
  let server = null;
  try {
    const env = {
      ...process.env, DISPLAY: xvfb.display, JSC_useSharedArrayBuffer: sharedArrayBuffer ? '1' : '0', JSC_useWasmOSR: wasmOsr ? '1' : '0',
    };
    delete env.WAYLAND_DISPLAY;
    server = await startDriver(env, (d) => onOutput(String(d)));
    const capabilities = {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': {
        binary: MINIBROWSER_PATH,
        args: ['--automation'],
      },
    };
    const driver = await new Builder().usingServer(server.url).withCapabilities(capabilities).build();
    // Long evaluations are polled (see webkitPage), so no script runs for long in the driver.
    await driver.manage().setTimeouts({ script: 60000, pageLoad: 120000, implicit: 0 });
    const version = `WebKitGTK ${(await driver.getCapabilities()).get('browserVersion')}`;
    const driverProc = server;
    return {
      driver,
      version,
      rootPid: driverProc.pid,
      close: async () => {
        await Promise.race([driver.quit().catch(() => {}), new Promise((r) => setTimeout(r, 10000))]);
        await stopChild(driverProc);
        await stopChild(xvfb);
      },
    };
  } catch (error) {
    if (server) await stopChild(server);
    await stopChild(xvfb);
    throw error;
  }
}
