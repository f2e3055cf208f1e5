// The model behind the endpoint, and its health. After a wasm trap (EngineCrashedError) or
// the engine's worker dying (UnloadedError) the model object is dead for good; the
// supervisor loads a fresh one (the engine runs in a worker, so the old one's memory goes
// with its thread) and reports `restarting` meanwhile, `unhealthy` if that load fails.
import { EngineCrashedError, UnloadedError } from '../../errors.js';

/** @import { SmolLM } from '../../smollm.js' */

/** @typedef {'loading' | 'ok' | 'restarting' | 'unhealthy'} EngineState */

/** @param {unknown} error */
export function isEngineDeath(error) {
  return error instanceof EngineCrashedError || error instanceof UnloadedError;
}

export class EngineSupervisor {
  /** @type {() => Promise<SmolLM>} */
  #load;
  /** @type {(line: string) => void} */
  #log;
  /** @type {SmolLM | null} */
  #llm = null;
  /** @type {EngineState} */
  #state = 'loading';
  /** @type {string | null} */
  #lastError = null;
  #restarts = 0;
  /** @type {Promise<void> | null} */
  #restarting = null;

  /**
   * @param {() => Promise<SmolLM>} load
   * @param {{log?: (line: string) => void}} [options]
   */
  constructor(load, { log = () => {} } = {}) {
    this.#load = load;
    this.#log = log;
  }

  /** @returns {Promise<SmolLM>} */
  async start() {
    const llm = await this.#load();
    this.#llm = llm;
    this.#state = 'ok';
    return llm;
  }

  /** @returns {{status: EngineState, restarts: number, lastError?: string}} */
  get health() {
    return { status: this.#state, restarts: this.#restarts, ...(this.#lastError ? { lastError: this.#lastError } : {}) };
  }

  /**
   * The live model; throws the 503 the route answers while there is none.
   * @returns {SmolLM}
   */
  current() {
    if (this.#state !== 'ok' || !this.#llm) throw new UnloadedError(`the engine is ${this.#state}`);
    return this.#llm;
  }

  /**
   * Called with every error a route saw from `llm`: a dead engine is replaced once.
   * @param {SmolLM} llm
   * @param {unknown} error
   */
  noteFailure(llm, error) {
    if (!isEngineDeath(error) || llm !== this.#llm || this.#restarting) return;
    this.#lastError = error.message;
    this.#state = 'restarting';
    this.#restarts += 1;
    this.#log(`engine failed (${error.message}): loading the model again`);
    this.#restarting = (async () => {
      await llm.unload().catch(() => {});
      try {
        this.#llm = await this.#load();
        this.#state = 'ok';
        this.#log('engine restarted');
      } catch (loadError) {
        this.#state = 'unhealthy';
        this.#lastError = loadError instanceof Error ? loadError.message : String(loadError);
        this.#log(`could not load the model again: ${this.#lastError}`);
      } finally {
        this.#restarting = null;
      }
    })();
  }

  // Resolves when a restart in progress has ended (tests, shutdown).
  async settled() {
    await this.#restarting;
  }

  async stop() {
    await this.#restarting;
    await this.#llm?.unload();
  }
}
