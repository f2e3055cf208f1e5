// Chat prompts: the GGUF's tokenizer.chat_template rendered with a real Jinja engine
// (@huggingface/jinja, as transformers.js does), so any model's template works, including
// SmolLM2's default system prompt. Files without a template get ChatML.
//
// The template is untrusted code from the model file. It renders in the engine's worker
// (LocalEngine.renderChat; SmolLM sends it there), never on the page's thread, under the
// limits of chat-template-limits.js (time, steps, sizes), each broken with a
// TemplateLimitError that names it.
import { InvalidArgumentError, TemplateLimitError } from './errors.js';
import { boundedRange, checkOutput, checkSource, meteredInterpreterClass, templateLimits } from './chat-template-limits.js';

/**
 * @import { ChatMessage, TemplateLimits } from './types.js'
 * @import { FullTemplateLimits, Jinja } from './chat-template-limits.js'
 */

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

// The Jinja module is imported on first use, not at module load: the page's copy of the
// package never renders, and a worker cannot see the page's import map. `moduleUrl` is where
// the page resolved the bare name (import.meta.resolve honours its import map); without one
// the bare import is left to a bundler or to Node.
/** @type {Promise<Jinja> | null} */
let jinja = null;
/**
 * @param {string | null} moduleUrl
 * @returns {Promise<Jinja>}
 */
async function loadJinja(moduleUrl) {
  // Typed by hand (chat-template-limits.js: Jinja); at the page's URL is the same package.
  jinja ??= /** @type {Promise<Jinja>} */ (/** @type {unknown} */ (moduleUrl
    ? import(/* @vite-ignore */ moduleUrl)
    : import('@huggingface/jinja')));
  try {
    return await jinja;
  } catch (error) {
    jinja = null;
    throw error;
  }
}

// Parsed templates by source; a few at most (one per model loaded, in practice).
/** @type {Map<string, InstanceType<Jinja['Template']>>} */
const compiled = new Map();
const MAX_COMPILED = 8;

/** @param {Jinja} library @param {string} source */
function compile({ Template }, source) {
  let template = compiled.get(source);
  if (!template) {
    try {
      template = new Template(source);
    } catch (error) {
      throw new InvalidArgumentError(`the model's chat template does not parse (${messageOf(error)}): ` +
        'pass the prompt to generate() yourself');
    }
    const oldest = compiled.keys().next();
    if (compiled.size >= MAX_COMPILED && !oldest.done) compiled.delete(oldest.value);
    compiled.set(source, template);
  }
  return template;
}

/** @param {unknown} error */
function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

/**
 * @param {unknown} messages
 * @returns {asserts messages is ChatMessage[]}
 */
export function validateMessages(messages) {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidArgumentError('messages must be a non-empty array of {role, content}');
  }
  for (const [i, m] of messages.entries()) {
    if (!m || typeof m.role !== 'string' || typeof m.content !== 'string') {
      throw new InvalidArgumentError(`messages[${i}] must be {role: string, content: string}`);
    }
  }
}

// Python's True/False/None, raise_exception and strftime_now, as the library's own render
// sets them; range is the bounded one.
/**
 * @param {FullTemplateLimits} limits
 * @param {(n: number) => void} charge
 */
function globals(limits, charge) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return {
    true: true, false: false, none: null, True: true, False: false, None: null,
    raise_exception: (/** @type {string} */ message) => { throw new Error(message); },
    range: boundedRange(limits, charge),
    strftime_now: (/** @type {unknown} */ format) => {
      const d = new Date();
      const month = (/** @type {'short' | 'long'} */ style) => new Intl.DateTimeFormat('en', { month: style }).format(d);
      /** @type {Record<string, string | number>} */
      const parts = { Y: d.getFullYear(), m: pad(d.getMonth() + 1), d: pad(d.getDate()), H: pad(d.getHours()), M: pad(d.getMinutes()), b: month('short'), B: month('long'), '%': '%' };
      return String(format).replace(/%([YmdHMbB%])/g, (_, c) => String(parts[c]));
    },
  };
}

/**
 * @param {string|null} template tokenizer.chat_template, or null for ChatML
 * @param {ChatMessage[]} messages
 * @param {{addGenerationPrompt?: boolean, bosToken?: string|null, eosToken?: string|null,
 *          limits?: TemplateLimits | null, moduleUrl?: string|null}} [options]
 * @returns {Promise<string>}
 */
export async function renderChat(template, messages, {
  addGenerationPrompt = true, bosToken = '', eosToken = '', limits: given, moduleUrl = null,
} = {}) {
  validateMessages(messages);
  const limits = templateLimits(given);
  const library = await loadJinja(moduleUrl);
  const program = compile(library, checkSource(template ?? CHATML_TEMPLATE, limits)).parsed;
  const env = new library.Environment();
  /** @type {{charge: (n: number) => void} | null} */
  let interpreter = null;
  const context = {
    ...globals(limits, (n) => interpreter?.charge(n)),
    messages: messages.map(({ role, content }) => ({ role, content })),
    add_generation_prompt: addGenerationPrompt,
    bos_token: bosToken ?? '',
    eos_token: eosToken ?? '',
  };
  for (const [key, value] of Object.entries(context)) env.set(key, value);
  const Metered = meteredInterpreterClass(library.Interpreter, limits);
  const metered = new Metered(env);
  interpreter = metered;
  let text;
  try {
    text = metered.run(program).value;
  } catch (error) {
    if (error instanceof TemplateLimitError) throw error;
    throw new InvalidArgumentError(`the chat template failed on these messages: ${messageOf(error)}`);
  }
  return checkOutput(String(text), limits);
}
