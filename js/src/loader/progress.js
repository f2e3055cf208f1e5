// Load progress over all parts of a model, as LoadOptions.onProgress receives it: bytes so
// far of the whole, and the rate of the current phase (download or cache), at most every
// 100 ms except at a part's end and a restart, which are always reported.

/** @typedef {import('../types.js').LoadProgress} LoadProgress */

export const EMIT_INTERVAL_MS = 100;

export class ProgressTracker {
  #doneBytes = 0;    // bytes of the parts finished
  #partBytes = 0;    // bytes of the current part
  #lastEmit = 0;
  /** @type {'download' | 'cache'} */
  #phase = 'download';
  #phaseStart = 0;
  #phaseBytes = 0;   // bytes read since the phase started (its rate's numerator)
  /** @type {string | undefined} */
  #restarted = undefined;

  /**
   * @param {((progress: LoadProgress) => void) | undefined} onProgress
   * @param {ReadonlyArray<{source: {size: number | null}}>} entries the model's parts; their
   *   sizes are read at every event, since a download learns its size from its first response
   * @param {() => number} [now] the clock, in ms
   */
  constructor(onProgress, entries, now = () => performance.now()) {
    this.onProgress = onProgress ?? (() => {});
    this.entries = entries;
    this.now = now;
  }

  /** The sizes known of every part. */
  total() {
    return this.entries.reduce((sum, e) => sum + (e.source.size ?? 0), 0);
  }

  /**
   * A part starts; a new phase starts with it when its source is of another kind (the rate
   * of a download is not averaged with that of a cache read).
   * @param {number} index
   * @param {'download' | 'cache'} kind
   */
  startPart(index, kind) {
    if (kind !== this.#phase || index === 0) {
      this.#phase = kind;
      this.#phaseStart = this.now();
      this.#phaseBytes = 0;
    }
    this.#partBytes = 0;
  }

  /** @param {number} n bytes read */
  advance(n) {
    this.#partBytes += n;
    this.#phaseBytes += n;
    this.#emit(false);
  }

  /**
   * The current part starts over from byte 0; what it had read no longer counts.
   * @param {string} reason in words, reported as `restarted` from now on
   */
  restart(reason) {
    this.#phaseBytes -= this.#partBytes;
    this.#partBytes = 0;
    this.#restarted = reason;
    this.#emit(true);
  }

  /** @param {number} size the finished part's bytes */
  partDone(size) {
    this.#doneBytes += size;
    this.#partBytes = 0;
    this.#emit(true);
  }

  /** @param {boolean} force report even within EMIT_INTERVAL_MS of the last event */
  #emit(force) {
    const now = this.now();
    if (!force && now - this.#lastEmit < EMIT_INTERVAL_MS) return;
    this.#lastEmit = now;
    const seconds = (now - this.#phaseStart) / 1000;
    const loaded = this.#doneBytes + this.#partBytes;
    /** @type {LoadProgress} */
    const event = {
      phase: this.#phase,
      loaded,
      total: Math.max(this.total(), loaded),
      bytesPerSecond: seconds > 0 ? Math.round(this.#phaseBytes / seconds) : 0,
    };
    if (this.#restarted) event.restarted = this.#restarted;
    this.onProgress(event);
  }
}
