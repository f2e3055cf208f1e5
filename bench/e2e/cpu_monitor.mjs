// Watches the machine while one benchmark run goes on. A run on a busy machine is invalid
// (two cores: one busy neighbour halves the figures), so the harness needs to know how much
// CPU everything outside its own process tree used during the run. Linux /proc only.
//
//   others = (busy jiffies of the whole machine) - (jiffies of our process tree)
//
// Our tree is this Node process and all its descendants (the browser, its renderers and GPU
// process). Children reaped during the run are counted through their parent's cutime/cstime.
import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';

const HZ = 100; // USER_HZ on every Linux the harness targets (getconf CLK_TCK)

// Busy jiffies of all CPUs (guest time is already inside user time).
function machineBusyJiffies() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return user + nice + system + irq + softirq + steal;
}

function readStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const comm = s.slice(s.indexOf('(') + 1, close);
    const rest = s.slice(close + 2).split(' ');
    // rest[0] is field 3 (state); field n is rest[n - 3]
    return {
      pid,
      comm,
      ppid: Number(rest[1]),
      jiffies: Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]),
      ownJiffies: Number(rest[11]) + Number(rest[12]), // without reaped children: for naming culprits
    };
  } catch {
    return null; // exited between readdir and read
  }
}

function allStats() {
  const out = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st) out.set(st.pid, st);
  }
  return out;
}

function treeOf(rootPid, stats) {
  const children = new Map();
  for (const st of stats.values()) {
    if (!children.has(st.ppid)) children.set(st.ppid, []);
    children.get(st.ppid).push(st.pid);
  }
  const tree = new Set([rootPid]);
  const stack = [rootPid];
  while (stack.length) {
    for (const c of children.get(stack.pop()) ?? []) {
      if (!tree.has(c)) {
        tree.add(c);
        stack.push(c);
      }
    }
  }
  return tree;
}

export function readCmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

// Peak resident set (VmHWM) of a live process, in bytes.
export function peakRssBytes(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

// Descendants of this process whose command line matches `test` (e.g. Chromium renderers).
export function ourProcesses(test) {
  const stats = allStats();
  return [...treeOf(process.pid, stats)].filter((pid) => test(readCmdline(pid), stats.get(pid)));
}

// Load of other processes right now, averaged over `ms`: used to wait for a quiet machine.
export async function othersLoad(ms = 2000) {
  const mon = new CpuMonitor(500);
  mon.start();
  await new Promise((r) => setTimeout(r, ms));
  return mon.stop();
}

export class CpuMonitor {
  constructor(intervalMs = 1000) {
    this.intervalMs = intervalMs;
    this.timer = null;
  }

  start() {
    this.t0 = performance.now();
    this.m0 = machineBusyJiffies();
    const stats = allStats();
    this.tree = treeOf(process.pid, stats);
    this.base = new Map(); // pid -> jiffies at first sight (0 if born during the run)
    this.last = new Map();
    this.otherBase = new Map();
    this.otherLast = new Map();
    this.names = new Map();
    for (const st of stats.values()) {
      if (this.tree.has(st.pid)) {
        this.base.set(st.pid, st.jiffies);
        this.last.set(st.pid, st.jiffies);
      } else {
        this.otherBase.set(st.pid, st.ownJiffies);
      }
    }
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  sample() {
    const stats = allStats();
    const tree = treeOf(process.pid, stats);
    for (const st of stats.values()) {
      if (tree.has(st.pid)) {
        if (!this.base.has(st.pid)) this.base.set(st.pid, 0);
        this.last.set(st.pid, st.jiffies);
      } else {
        if (!this.otherBase.has(st.pid)) this.otherBase.set(st.pid, 0);
        this.otherLast.set(st.pid, st.ownJiffies);
        this.names.set(st.pid, st.comm);
      }
    }
  }

  // Returns average cores used by others / by us over the run, and the busiest others.
  stop() {
    this.sample();
    clearInterval(this.timer);
    const seconds = (performance.now() - this.t0) / 1000;
    const m1 = machineBusyJiffies();
    let ours = 0;
    for (const [pid, j] of this.last) ours += j - (this.base.get(pid) ?? 0);
    const busy = m1 - this.m0;
    const others = Math.max(0, busy - ours);
    // Per-process view of the others, only to name the culprits in the log.
    const culprits = [];
    for (const [pid, j] of this.otherLast) {
      const used = j - (this.otherBase.get(pid) ?? 0);
      if (used > 0) culprits.push({ pid, comm: this.names.get(pid), cores: used / HZ / seconds });
    }
    culprits.sort((a, b) => b.cores - a.cores);
    return {
      seconds,
      othersCores: others / HZ / seconds,
      oursCores: ours / HZ / seconds,
      machineCores: cpus().length,
      busiestOthers: culprits.slice(0, 3).map((c) => `${c.comm}(${c.pid}) ${c.cores.toFixed(2)}`),
    };
  }
}
