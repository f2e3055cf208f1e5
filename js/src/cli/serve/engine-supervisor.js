// The model behind the endpoint, and its health. After a wasm trap (EngineCrashedError) or
// the engine's worker dying (UnloadedError) the model object is dead for good; the
// supervisor loads a fresh one (the engine runs in a worker, so the old one's memory goes
// with its thread) and reports `restarting` meanwhile, `unhealthy` if that load fails.
import { EngineCrashedError, UnloadedError } from '../../errors.js';

export function isEngineDeath(error) {
  return error instanceof EngineCrashedError || error instanceof UnloadedError;
}

export class EngineSupervisor {
  #load;
  #log;
  #llm = null;
  #state = 'loading';
  #lastError = null;
  #restarts = 0;
  #restarting = null;

  /** @param {() => Promise<import('../../smollm.js').SmolLM>} load */
  constructor(load, { log = () => {} } = {}) {
    this.#load = load;
    this.#log = log;
  }

  async start() {
    this.#llm = await this.#load();
    this.#state = 'ok';
    return this.#llm;
  }

  get health() {
    return { status: this.#state, restarts: this.#restarts, ...(this.#lastError ? { lastError: this.#lastError } : {}) };
  }

  // The live model; throws the 503 the route answers while there is none.
  current() {
    if (this.#state !== 'ok') throw new UnloadedError(`the engine is ${this.#state}`);
    return this.#llm;
  }

  // Called with every error a route saw from `llm`: a dead engine is replaced once.
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
        this.#lastError = loadError.message;
        this.#log(`could not load the model again: ${loadError.message}`);
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
