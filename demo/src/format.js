// Human-readable figures for the progress bar and the stats panel.

// Three significant digits in decimal units, the way the Hugging Face hub shows file sizes.
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  for (const [scale, unit] of [[1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']]) {
    if (bytes >= scale) return `${Number((bytes / scale).toPrecision(3))} ${unit}`;
  }
  return `${bytes} B`;
}

export function formatMB(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export function formatSpeed(bytesPerSecond) {
  if (!(bytesPerSecond > 0)) return '';
  return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
}

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function etaSeconds(loaded, total, bytesPerSecond) {
  if (!(bytesPerSecond > 0) || !(total > 0) || loaded >= total) return NaN;
  return (total - loaded) / bytesPerSecond;
}

export function formatRate(tokensPerSecond) {
  if (!Number.isFinite(tokensPerSecond) || tokensPerSecond <= 0) return '–';
  return tokensPerSecond >= 100 ? tokensPerSecond.toFixed(0) : tokensPerSecond.toFixed(1);
}
