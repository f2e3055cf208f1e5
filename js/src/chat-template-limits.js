// Limits on rendering an untrusted Jinja program (a GGUF's tokenizer.chat_template).
//
// Why an interruptible interpreter rather than a render thread killed at a deadline: the
// engine already runs in its own worker (browser) or worker_threads thread (Node), so the
// page never waits on a template; what remains is that a template must not hang or exhaust
// that thread. A nested worker per render would cost a thread start and a second copy of the
// Jinja module per chat turn, does not exist under `worker: false`, and cannot bound memory
// in browsers (no resourceLimits there). So every node evaluation of @huggingface/jinja's
// Interpreter goes through `evaluate`, which this subclass meters: a step budget
// (deterministic), a wall-clock deadline (checked every few steps), a cap on the size of every
// value it produces (strings, lists, mappings) and on the characters produced in all, and a
// `range()` that refuses to build a list over the cap instead of allocating it. No single
// operation of the library can then hang, and a value can only exceed a cap by one operation
// before the error. The library's version is pinned (package.json) because this relies on its
// Interpreter calling this.evaluate for every node; tests/js/package/chat-template.test.mjs
// fails loudly if that changes.
import { TemplateLimitError } from './errors.js';

/** @import { TemplateLimits } from './types.js' */

/**
 * The parts of @huggingface/jinja used here. Its published declarations import their siblings
 * without file extensions, which Node's ESM resolution (tsconfig "nodenext") does not follow,
 * so they are restated here for the pinned version (package.json).
 * @typedef {{value: unknown}} JinjaValue
 * @typedef {{set(name: string, value: unknown): unknown}} JinjaEnvironment
 * @typedef {{run(program: unknown): JinjaValue,
 *   evaluate(statement: unknown, environment: JinjaEnvironment): JinjaValue}} JinjaInterpreter
 * @typedef {{Template: new (source: string) => {parsed: unknown}, Environment: new () => JinjaEnvironment,
 *   Interpreter: new (env?: JinjaEnvironment) => JinjaInterpreter}} Jinja
 */

/** Every limit, with its value. @typedef {Required<TemplateLimits>} FullTemplateLimits */

/** @type {Readonly<FullTemplateLimits>} */
export const DEFAULT_TEMPLATE_LIMITS = Object.freeze({
  sourceChars: 1 << 20,    // the template itself: parsing is not metered, so its input is
                           // bounded instead (real templates are a few KiB; parsing is linear)
  timeMs: 1000,            // wall clock for one render
  steps: 5_000_000,        // node evaluations for one render
  outputChars: 4 << 20,    // the rendered prompt
  valueChars: 4 << 20,     // any one string the template builds
  items: 10_000,           // any one list or mapping (and range()); also bounds the
                           // longest single operation (a filter over a list) to a few ms
  totalChars: 64 << 20,    // characters of all strings the template produces together
});

/**
 * Limits as given by a caller: each a positive number, others from the defaults.
 * @param {TemplateLimits | null} [given]
 * @returns {FullTemplateLimits}
 */
export function templateLimits(given = {}) {
  const limits = { ...DEFAULT_TEMPLATE_LIMITS };
  for (const [key, value] of Object.entries(given ?? {})) {
    if (!isLimitName(key)) throw new TypeError(`unknown template limit "${key}"`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value > 0)) throw new TypeError(`template limit ${key} must be a positive number`);
    limits[key] = value;
  }
  return limits;
}

/**
 * @param {string} key
 * @returns {key is keyof FullTemplateLimits}
 */
function isLimitName(key) {
  return Object.hasOwn(DEFAULT_TEMPLATE_LIMITS, key);
}

/**
 * @param {keyof FullTemplateLimits} limit
 * @param {number | string} value
 * @param {FullTemplateLimits} limits
 * @param {string} what
 */
function exceeded(limit, value, limits, what) {
  return new TemplateLimitError(limit, limits[limit],
    `the chat template ${what} (${value}), over its limit ${limit} = ${limits[limit]}: ` +
    'the model file\'s template is broken or hostile; pass the prompt to generate() yourself');
}

/**
 * range() as Python's, but refusing to build more than limits.items entries; `charge(n)`
 * counts the n entries it builds as steps, so loops over big ranges spend the step budget at
 * the rate they spend time.
 * @param {FullTemplateLimits} limits
 * @param {(n: number) => void} [charge]
 * @returns {(start: number, stop?: number, step?: number) => number[]}
 */
export function boundedRange(limits, charge = () => {}) {
  return (start, stop, step = 1) => {
    if (stop === undefined) [start, stop] = [0, start];
    for (const [name, v] of [['start', start], ['stop', stop], ['step', step]]) {
      if (!Number.isInteger(v)) throw new Error(`range() ${name} must be an integer, got ${v}`);
    }
    if (step === 0) throw new Error('range() step must not be zero');
    const count = Math.max(0, Math.ceil((stop - start) / step));
    if (count > limits.items) throw exceeded('items', count, limits, 'asked range() for a list too long');
    charge(count);
    return Array.from({ length: count }, (_, i) => start + i * step);
  };
}

/**
 * @param {Jinja['Interpreter']} Interpreter the library's
 * @param {FullTemplateLimits} limits
 * @param {() => number} [now] the clock, ms
 */
export function meteredInterpreterClass(Interpreter, limits, now = () => performance.now()) {
  return class MeteredInterpreter extends Interpreter {
    #steps = 0;
    #chars = 0;
    #deadline = now() + limits.timeMs;

    /**
     * Steps of work done outside evaluate (range's entries).
     * @param {number} n
     */
    charge(n) {
      this.#steps += n;
    }

    // The clock is read at every node: a node of the library costs far more than the read,
    // and one node may be slow (a filter over a long list), so checking every few nodes would
    // let a render overrun its time by that many slow nodes.
    /**
     * @param {unknown} statement
     * @param {JinjaEnvironment} environment
     */
    evaluate(statement, environment) {
      this.#steps += 1;
      if (this.#steps > limits.steps) throw exceeded('steps', this.#steps, limits, 'ran too many steps');
      if (now() > this.#deadline) {
        throw exceeded('timeMs', `${Math.round(now() - this.#deadline + limits.timeMs)} ms`, limits, 'ran too long');
      }
      const value = super.evaluate(statement, environment);
      this.#measure(value);
      return value;
    }

    /** @param {JinjaValue} value */
    #measure(value) {
      const inner = value?.value;
      if (typeof inner === 'string') {
        if (inner.length > limits.valueChars) throw exceeded('valueChars', inner.length, limits, 'built a string too long');
        this.#chars += inner.length;
        if (this.#chars > limits.totalChars) throw exceeded('totalChars', this.#chars, limits, 'produced too much text in all');
      } else if (Array.isArray(inner) || inner instanceof Map) {
        const n = Array.isArray(inner) ? inner.length : inner.size;
        if (n > limits.items) throw exceeded('items', n, limits, 'built a list or mapping too long');
      }
    }
  };
}

/** @param {string} source @param {FullTemplateLimits} limits */
export function checkSource(source, limits) {
  if (source.length > limits.sourceChars) throw exceeded('sourceChars', source.length, limits, 'is too long');
  return source;
}

/** @param {string} text @param {FullTemplateLimits} limits */
export function checkOutput(text, limits) {
  if (text.length > limits.outputChars) throw exceeded('outputChars', text.length, limits, 'rendered a prompt too long');
  return text;
}
