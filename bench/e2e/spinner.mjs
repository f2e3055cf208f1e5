// A CPU spinner for benchmarks that measure beside a busy neighbour. It is not our descendant
// (the shell that starts it exits at once), so a CPU monitor counts it among the other
// processes, as it would any neighbour. Returns a function that stops it (also run at exit).
import { execFileSync } from 'node:child_process';

export function startSpinner() {
  const pid = Number(execFileSync('sh', ['-c', 'sh -c "while :; do :; done" >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' }).trim());
  const stop = () => { try { process.kill(pid); } catch { /* already gone */ } };
  process.once('exit', stop);
  return stop;
}
