// The stats panel: speeds of the last answer, context use, and the build the engine picked.
import { formatBytes, formatRate } from './format.js';

export class StatsView {
  constructor(elements) {
    this.el = elements;
  }

  reset() {
    for (const key of ['prefill', 'decode', 'context', 'threads', 'build', 'memory']) this.el[key].textContent = '–';
    this.el.meter.value = 0;
  }

  showInfo(info) {
    this.el.threads.textContent = String(info.threads);
    const simd = info.simd === 'relaxed' ? 'relaxed SIMD' : 'SIMD128';
    this.el.build.textContent = `${info.build}, ${simd}`;
    this.el.build.title = [info.buildReason, info.simdReason].filter(Boolean).join('; ');
    this.el.memory.textContent = formatBytes(info.memoryBytes);
    this.showContext(0, info.contextSize);
  }

  showContext(used, total) {
    this.el.context.textContent = `${used} of ${total} tokens`;
    this.el.meter.max = Math.max(1, total);
    this.el.meter.value = used;
    this.el.meter.setAttribute('aria-valuetext', `${used} of ${total} tokens used`);
  }

  // While streaming, figures are estimates from the pieces seen so far.
  showLive({ prefillMs, promptLabel, decodeTokens, decodeMs }) {
    this.el.prefill.textContent = prefillMs === null ? 'evaluating the prompt…' : `${promptLabel}, ${(prefillMs / 1000).toFixed(2)} s`;
    this.el.decode.textContent = decodeTokens > 1 && decodeMs > 0 ? `≈ ${formatRate(((decodeTokens - 1) * 1000) / decodeMs)} tok/s` : '–';
  }

  showFinal(stats) {
    const evaluated = stats.promptTokens - stats.reusedTokens;
    const reused = stats.reusedTokens > 0 ? `, ${stats.reusedTokens} reused` : '';
    this.el.prefill.textContent = `${formatRate(stats.prefillTokensPerSecond)} tok/s (${evaluated} tokens${reused})`;
    this.el.decode.textContent = `${formatRate(stats.decodeTokensPerSecond)} tok/s (${stats.completionTokens} tokens)`;
    this.showContext(stats.contextUsed, stats.contextSize);
  }
}
