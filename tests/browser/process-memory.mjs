// The resident memory of the process that runs a tab, read from /proc while something runs in
// it. Each engine names that process differently: Chromium's renderer (`--type=renderer`),
// Firefox's content process (`-contentproc ... tab`), WebKit's web process
// (`WebKitWebProcess`, WebContent). Only descendants of this Node process count, so browsers
// that other suites (or other people's tests on the same machine) run are never sampled.
// The page's worker, its wasm memory and the fetch/cache streams all live in that process,
// so its RSS is what a phone's tab killer sees.
import fs from 'node:fs';

const TAB_PROCESS = {
  chromium: (cmd) => cmd.includes('--type=renderer') && !cmd.includes('--extension-process'),
  firefox: (cmd) => cmd.includes('-contentproc') && / tab$/.test(cmd.trim()),
  webkit: (cmd) => /WebKitWebProcess|WebContent/.test(cmd),
};

function processTable() {
  const procs = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      procs.set(Number(name), { ppid });
    } catch {
      // ended while we looked
    }
  }
  return procs;
}

function descendantsOf(root, procs) {
  const children = new Map();
  for (const [pid, p] of procs) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(pid);
  }
  const out = [];
  const stack = [root];
  while (stack.length) {
    for (const c of children.get(stack.pop()) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** The tab processes of `engine` ('chromium' | 'firefox' | 'webkit', or a variant 'webkit-sab') under this Node process. */
export function tabProcesses(engine) {
  // Variants of one engine ('webkit-sab') run the same processes.
  const test = TAB_PROCESS[engine] ?? TAB_PROCESS[engine.split('-')[0]];
  if (!test) throw new Error(`no tab-process rule for engine ${engine}`);
  const pids = [];
  for (const pid of descendantsOf(process.pid, processTable())) {
    try {
      if (test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '))) pids.push(pid);
    } catch {
      // ended while we looked
    }
  }
  return pids;
}

/** RSS of the largest tab process of `engine` now, in bytes (0 when there is none). */
export function largestTabRss(engine) {
  let best = 0;
  for (const pid of tabProcesses(engine)) {
    try {
      best = Math.max(best, rssBytes(pid));
    } catch {
      // ended while we looked
    }
  }
  return best;
}

/**
 * Samples the largest tab process's RSS every `intervalMs` until stop(), which returns
 * {peakBytes, samples, first, last}. Sampling the current RSS, not VmHWM, lets two loads in
 * one browser be measured apart (VmHWM keeps the first load's peak forever).
 */
export function sampleTabRss(engine, intervalMs = 100) {
  const values = [];
  const take = () => values.push(largestTabRss(engine));
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peakBytes: Math.max(...values), samples: values.length, first: values[0], last: values.at(-1), values };
    },
  };
}
