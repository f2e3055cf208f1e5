// Every generation and sampling field, declared once: its type, default and range, where the
// engine keeps it (the C++ struct web/generation_options.cpp binds it into), its name in
// OpenAI-shaped requests and its command-line flag. Validation (validate.js), the engine's
// parameters (engine-params.js), the OpenAI mapping (openai.js), the CLI flags and their help
// (cli-flags.js) and DEFAULT_SAMPLING all derive from this table; adding a sampler knob is one
// entry here plus its C++ field, binding line and use (tests/js/options fails until all agree).

/**
 * Sampling settings of one generation. Defaults follow the SmolLM2 model card (temperature
 * 0.2, topP 0.9); every other filter is off, so the caller's choice is the only one.
 * @typedef {object} SamplingOptions
 * @property {number} [temperature] 0 means greedy (argmax). Default 0.2.
 * @property {number} [topK] Keep the K most likely tokens; 0 disables. Default 0.
 * @property {number} [topP] Nucleus: keep the most likely tokens up to this probability mass; 1 disables. Default 0.9.
 * @property {number} [minP] Drop tokens below minP x the top probability; 0 disables. Default 0.
 * @property {number} [repeatPenalty] llama.cpp semantics over the last `penaltyLastN` tokens; 1 disables. Default 1.
 * @property {number} [presencePenalty] Subtracted once from each token seen in the window. Default 0.
 * @property {number} [frequencyPenalty] Subtracted per occurrence in the window. Default 0.
 * @property {number} [penaltyLastN] Window of recent tokens the three penalties look at. Default 64.
 * @property {number} [seed] Same seed + same inputs = same tokens. Default: random.
 * @property {Record<number, number>} [logitBias] Added to the logits of the given token ids before sampling.
 */

/**
 * Limits of one generation.
 * @typedef {object} LimitOptions
 * @property {number} [maxTokens] Default 256. Generation also stops at the context size (finish reason `length`).
 * @property {string | string[]} [stop] Stop strings: the matched text is never emitted.
 * @property {boolean} [ignoreEos] Keep going past end-of-generation tokens (for benchmarks). Default false.
 * @property {number} [prefillChunk] Prompt tokens evaluated per engine step: smaller reacts to abort sooner. Default 64.
 */

/**
 * Constrained decoding: at most one of the two. Tokens the grammar does not allow are removed
 * before sampling (every sampler option still applies); the output ends where the grammar is
 * complete. A bad grammar or schema is an InvalidArgumentError naming the place.
 * @typedef {object} ConstraintOptions
 * @property {string} [grammar] A GBNF grammar in llama.cpp's syntax (its `root` rule is the whole output).
 * @property {object | string} [jsonSchema] A JSON schema (object, or its JSON text): the output
 *   is JSON valid against it, converted as llama.cpp's json-schema-to-grammar converts it.
 *   `{type: 'object'}` is JSON mode (any object).
 * @property {string} [grammarTrigger] Makes the grammar or schema lazy (llama.cpp's
 *   grammar_lazy with a word trigger): the output is free until it contains this text, and the
 *   constraint covers the text after it. Tool calls under `tool_choice: 'auto'` use it with
 *   `<tool_call>`. Needs `grammar` or `jsonSchema`.
 */

/**
 * Log-probabilities of the generated tokens: the log-softmax of the model's raw logits, before
 * logit bias, penalties and temperature (what llama.cpp reports), computed only when asked.
 * @typedef {object} LogprobOptions
 * @property {boolean} [logprobs] Each generated token's log-probability (GeneratedPiece.logprobs). Default false.
 * @property {number} [topLogprobs] With logprobs: the 0..20 most likely tokens at each step, with theirs. Default 0.
 */

/**
 * What happens when the context fills (llama.cpp's context shift). On by default: a chat or a
 * long generation goes on instead of stopping with finish reason `length`. When the next token
 * would not fit, the first `nKeep` prompt tokens stay (after the BOS, which always stays), half
 * of the tokens after them are discarded and the rest keep their keys and values, moved to
 * their new positions (GenerationStats.contextShifts and droppedTokens count them). The model
 * then no longer sees what was discarded. A chat (chat.completions.create) first drops its
 * oldest whole turns after the system prompt until the new turn fits, re-using the KV cache
 * for what stays (GenerationStats.droppedMessages). A prompt that alone exceeds the context is
 * still a ContextLengthError.
 * @typedef {object} ContextShiftOptions
 * @property {boolean} [contextShift] Shift the context when it fills; false ends the
 *   generation there (finish reason `length`) and never drops chat turns. Default true.
 * @property {number} [nKeep] Prompt tokens (not counting the BOS) a shift keeps; -1 keeps the
 *   whole prompt. Default 0 for generate(); a chat keeps its system prompt.
 */

/** @typedef {SamplingOptions & LimitOptions & ConstraintOptions & LogprobOptions & ContextShiftOptions} GenerationFieldOptions every field of the table */
/** @typedef {keyof GenerationFieldOptions} GenerationFieldName */

/**
 * @typedef {'number' | 'integer' | 'boolean' | 'stop' | 'logitBias' | 'grammar' | 'jsonSchema' | 'text'} FieldKind
 *   stop: a non-empty string or an array of them; logitBias: an object of token id -> bias;
 *   text: a non-empty string;
 *   grammar: non-empty GBNF text (on the command line: a file of it); jsonSchema: an object or
 *   the JSON text of one (on the command line: a file of it).
 */

/**
 * A range. The OpenAI surface may narrow the package's (OpenAI's documented limits).
 * @typedef {object} FieldRange
 * @property {number} [min]
 * @property {boolean} [minExclusive] the value must be above `min`
 * @property {number} [max]
 * @property {number} [maxItems] stop: most strings
 * @property {number} [biasMin] logitBias: smallest bias
 * @property {number} [biasMax] logitBias: largest bias
 */

/**
 * @typedef {object} OpenAiField
 * @property {string} name the request field (snake_case)
 * @property {readonly string[]} [aliases] other names for the same field (max_completion_tokens)
 * @property {FieldRange} [range] replaces the package's range for HTTP requests
 */

/**
 * @typedef {object} CliField
 * @property {string} flag long flag without `--`
 * @property {string} [short] one-letter flag
 * @property {readonly string[]} [aliases] other long flags (llama.cpp's names)
 * @property {string} [arg] what the value is, for the help text (none for booleans)
 * @property {boolean} [negates] a boolean flag that sets its field to false (`--no-context-shift`)
 * @property {Readonly<Partial<Record<GenerationFieldName, unknown>>>} [implies] other fields the flag sets
 *   (`--logprobs N` asks for logprobs and N alternatives)
 */

/**
 * @template V
 * @typedef {object} FieldDecl
 * @property {FieldKind} kind
 * @property {V | Readonly<V> | null} default null: chosen per generation (seed: random)
 * @property {FieldRange} range
 * @property {'SamplingParams' | 'GenerationOptions'} struct the C++ struct that holds it
 * @property {OpenAiField | null} openai null: not an OpenAI request field
 * @property {CliField | null} cli null: set through another field's flag
 * @property {string} doc one line for the help text
 */

/**
 * The keys are the package's option names and the Embind field names alike.
 * @typedef {{ readonly [K in GenerationFieldName]-?: Readonly<FieldDecl<NonNullable<GenerationFieldOptions[K]>>> }} GenerationFields
 */

const INT32_MAX = 2 ** 31 - 1;

// `const`: the OpenAI names stay literal types, from which OpenAiGenerationParams is derived.
export const GENERATION_FIELDS = Object.freeze(/** @satisfies {GenerationFields} */ (/** @type {const} */ ({
  temperature: {
    kind: 'number', default: 0.2, range: { min: 0 }, struct: 'SamplingParams',
    openai: { name: 'temperature', range: { min: 0, max: 2 } },
    cli: { flag: 'temperature', aliases: ['temp'], arg: 'T' },
    doc: 'sampling temperature; 0 is greedy',
  },
  topK: {
    kind: 'integer', default: 0, range: { min: 0, max: INT32_MAX }, struct: 'SamplingParams',
    openai: { name: 'top_k' },
    cli: { flag: 'top-k', arg: 'K' },
    doc: 'keep the K most likely tokens; 0 disables',
  },
  topP: {
    kind: 'number', default: 0.9, range: { min: 0, minExclusive: true, max: 1 }, struct: 'SamplingParams',
    openai: { name: 'top_p' },
    cli: { flag: 'top-p', arg: 'P' },
    doc: 'keep the most likely tokens up to probability mass P; 1 disables',
  },
  minP: {
    kind: 'number', default: 0, range: { min: 0, max: 1 }, struct: 'SamplingParams',
    openai: { name: 'min_p' },
    cli: { flag: 'min-p', arg: 'P' },
    doc: 'drop tokens below P x the top probability; 0 disables',
  },
  repeatPenalty: {
    kind: 'number', default: 1, range: { min: 0, minExclusive: true }, struct: 'SamplingParams',
    openai: { name: 'repeat_penalty', range: { min: 0, minExclusive: true, max: 10 } },
    cli: { flag: 'repeat-penalty', arg: 'R' },
    doc: 'divide (multiply when negative) the logits of recent tokens; 1 disables',
  },
  presencePenalty: {
    kind: 'number', default: 0, range: {}, struct: 'SamplingParams',
    openai: { name: 'presence_penalty', range: { min: -2, max: 2 } },
    cli: { flag: 'presence-penalty', arg: 'X' },
    doc: 'subtracted once from each recent token',
  },
  frequencyPenalty: {
    kind: 'number', default: 0, range: {}, struct: 'SamplingParams',
    openai: { name: 'frequency_penalty', range: { min: -2, max: 2 } },
    cli: { flag: 'frequency-penalty', arg: 'X' },
    doc: 'subtracted per occurrence of each recent token',
  },
  penaltyLastN: {
    kind: 'integer', default: 64, range: { min: 0, max: INT32_MAX }, struct: 'SamplingParams',
    openai: { name: 'repeat_last_n' },
    cli: { flag: 'repeat-last-n', arg: 'N' },
    doc: 'recent tokens the three penalties look at',
  },
  seed: {
    kind: 'integer', default: null, range: { min: 0, max: Number.MAX_SAFE_INTEGER }, struct: 'SamplingParams',
    openai: { name: 'seed' },
    cli: { flag: 'seed', short: 's', arg: 'S' },
    doc: 'same seed and inputs give the same tokens; default random',
  },
  logitBias: {
    kind: 'logitBias', default: {}, range: {}, struct: 'SamplingParams',
    openai: { name: 'logit_bias', range: { biasMin: -100, biasMax: 100 } },
    cli: { flag: 'logit-bias', arg: 'ID=BIAS' },
    doc: 'add BIAS to the logit of token ID',
  },
  maxTokens: {
    kind: 'integer', default: 256, range: { min: 1 }, struct: 'GenerationOptions',
    openai: { name: 'max_tokens', aliases: ['max_completion_tokens'] },
    cli: { flag: 'max-tokens', short: 'n', arg: 'N' },
    doc: 'most tokens to generate (the context size also ends it)',
  },
  stop: {
    kind: 'stop', default: [], range: {}, struct: 'GenerationOptions',
    openai: { name: 'stop', range: { maxItems: 4 } },
    cli: { flag: 'stop', arg: 'STR' },
    doc: 'stop at STR, which is not shown',
  },
  ignoreEos: {
    kind: 'boolean', default: false, range: {}, struct: 'GenerationOptions',
    openai: { name: 'ignore_eos' },
    cli: { flag: 'ignore-eos' },
    doc: 'go on past end-of-generation tokens',
  },
  prefillChunk: {
    kind: 'integer', default: 64, range: { min: 1, max: INT32_MAX }, struct: 'GenerationOptions',
    openai: null,
    cli: { flag: 'prefill-chunk', arg: 'N' },
    doc: 'prompt tokens per engine step (smaller stops sooner on abort)',
  },
  // '' is the engine's "no grammar". OpenAI's response_format maps onto jsonSchema (openai.js);
  // `grammar` and `json_schema` are the extension fields llama.cpp's server and wllama take.
  grammar: {
    kind: 'grammar', default: '', range: {}, struct: 'GenerationOptions',
    openai: { name: 'grammar' },
    cli: { flag: 'grammar-file', arg: 'FILE' },
    doc: 'constrain the output to the GBNF grammar in FILE (llama.cpp syntax)',
  },
  jsonSchema: {
    kind: 'jsonSchema', default: '', range: {}, struct: 'GenerationOptions',
    openai: { name: 'json_schema' },
    cli: { flag: 'json-schema', arg: 'FILE' },
    doc: 'constrain the output to JSON valid against the JSON schema in FILE',
  },
  grammarTrigger: {
    kind: 'text', default: '', range: {}, struct: 'GenerationOptions',
    openai: { name: 'grammar_trigger' },
    cli: { flag: 'grammar-trigger', arg: 'STR' },
    doc: 'apply the grammar or schema only after the output contains STR, to the text after it',
  },
  logprobs: {
    kind: 'boolean', default: false, range: {}, struct: 'GenerationOptions',
    openai: { name: 'logprobs' },
    cli: null,
    doc: 'report each generated token\'s log-probability',
  },
  topLogprobs: {
    kind: 'integer', default: 0, range: { min: 0, max: 20 }, struct: 'GenerationOptions',
    openai: { name: 'top_logprobs' },
    cli: { flag: 'logprobs', arg: 'N', implies: { logprobs: true } },
    doc: 'print each token\'s log-probability and the N (0..20) most likely tokens\' (on stderr)',
  },
  // llama.cpp's server takes n_keep per request (its --context-shift is a server flag); a
  // request here may also turn the shift off.
  contextShift: {
    kind: 'boolean', default: true, range: {}, struct: 'GenerationOptions',
    openai: { name: 'context_shift' },
    cli: { flag: 'no-context-shift', negates: true },
    doc: 'stop when the context is full instead of discarding the oldest tokens (and chat turns)',
  },
  nKeep: {
    kind: 'integer', default: 0, range: { min: -1, max: INT32_MAX }, struct: 'GenerationOptions',
    openai: { name: 'n_keep' },
    cli: { flag: 'keep', aliases: ['n-keep'], arg: 'N' },
    doc: 'prompt tokens a context shift keeps (after BOS; -1: the whole prompt; chat: the system prompt)',
  },
})));

/**
 * @template {GenerationFieldName} K
 * @typedef {(typeof GENERATION_FIELDS)[K]['openai']} OpenAiOf
 */

/**
 * A field's OpenAI name and aliases (never: none).
 * @template {GenerationFieldName} K
 * @typedef {(OpenAiOf<K> extends { name: infer N extends string } ? N : never)
 *   | (OpenAiOf<K> extends { aliases: readonly (infer A extends string)[] } ? A : never)} OpenAiNamesOf
 */

/**
 * The generation fields of an OpenAI-shaped request (chat.completions.create, `serve`), under
 * their OpenAI names and aliases, typed as the package's.
 * @typedef {{ [K in GenerationFieldName as OpenAiNamesOf<K>]?: GenerationFieldOptions[K] }} OpenAiGenerationParams
 */

/** @typedef {Readonly<FieldDecl<unknown>> & { name: GenerationFieldName }} GenerationField */

/** The table as a list, each entry with its name. @type {readonly GenerationField[]} */
export const FIELD_LIST = Object.freeze(Object.entries(GENERATION_FIELDS).map(
  ([name, field]) => Object.freeze({ ...field, name: /** @type {GenerationFieldName} */ (name) }),
));

/**
 * The sampler's constant defaults (seed, random, and logitBias, none, left out).
 * @typedef {Readonly<Required<Omit<SamplingOptions, 'seed' | 'logitBias'>>>} DefaultSampling
 */

/** @type {DefaultSampling} */
export const DEFAULT_SAMPLING = Object.freeze(/** @type {Required<Omit<SamplingOptions, 'seed' | 'logitBias'>>} */ (
  Object.fromEntries(FIELD_LIST
    .filter((f) => f.struct === 'SamplingParams' && (f.kind === 'number' || f.kind === 'integer') && f.default !== null)
    .map((f) => [f.name, f.default]))));
