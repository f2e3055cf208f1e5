// A one-line load progress bar on stderr, only when stderr is a terminal (or
// SMOLLM_PROGRESS=1), so piped output and test logs stay clean.
import { formatBytes } from '../errors.js';

/** @param {NodeJS.WriteStream} [stream] */
export function progressBar(stream = process.stderr) {
  const enabled = stream.isTTY || process.env.SMOLLM_PROGRESS === '1';
  let lastLine = '';
  /** @param {{ phase: string, loaded: number, total: number, bytesPerSecond: number, restarted?: string }} progress */
  const render = ({ phase, loaded, total, bytesPerSecond, restarted }) => {
    if (!enabled) return;
    const width = 30;
    const fraction = total > 0 ? Math.min(1, loaded / total) : 0;
    const filled = Math.round(fraction * width);
    const rate = bytesPerSecond > 0 ? ` ${formatBytes(bytesPerSecond)}/s` : '';
    const note = restarted ? ` (restarted: ${restarted})` : '';
    const line = `${phase.padEnd(8)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` +
      `${(fraction * 100).toFixed(0).padStart(3)}% ${formatBytes(loaded)} / ${formatBytes(total)}${rate}${note}`;
    if (line === lastLine) return;
    lastLine = line;
    stream.write(`\r${line}\x1b[K`);
  };
  render.done = () => {
    if (enabled && lastLine) stream.write('\n');
  };
  return render;
}
