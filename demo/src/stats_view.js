// The stats panel: speeds of the last answer, context use, and the build the engine picked.
import { formatBytes, formatRate } from './format.js';

export class StatsView {
  constructor(elements) {
    this.el = elements;
  }

  reset() {
    for (const key of ['prefill', 'decode', 'context', 'dropped', 'threads', 'build', 'memory']) this.el[key].textContent = '–';
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

  showContext(used, total, dropped = '') {
    this.el.context.textContent = `${used} of ${total} tokens`;
    this.el.dropped.textContent = dropped || 'nothing';
    this.el.meter.max = Math.max(1, total);
    this.el.meter.value = used;
    this.el.meter.classList.toggle('shifted', Boolean(dropped));
    this.el.meter.setAttribute('aria-valuetext', `${used} of ${total} tokens used${dropped ? `; dropped: ${dropped}` : ''}`);
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
    this.showContext(stats.contextUsed, stats.contextSize, droppedText(stats));
  }
}

// What the last answer's request left out to fit the context: the oldest messages of the chat
// and the tokens context shifts discarded while answering.
export function droppedText({ droppedMessages = 0, contextShifts = 0, droppedTokens = 0 }) {
  const parts = [];
  if (droppedMessages > 0) parts.push(`${droppedMessages} oldest message${droppedMessages === 1 ? '' : 's'}`);
  if (contextShifts > 0) parts.push(`${droppedTokens} tokens in ${contextShifts} shift${contextShifts === 1 ? '' : 's'}`);
  return parts.join(', ');
}
