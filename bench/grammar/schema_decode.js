// The measurement of bench/grammar/decode.mjs (Node) and decode_browser.mjs (Chromium): greedy
// decode of one prompt, unconstrained and under a nested JSON schema long enough that both
// runs stop at `tokens`, so they decode the same number of tokens. Plain ES module without
// Node imports: the browser page imports it as it is.

const item = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 12 },
    level: { type: 'integer', minimum: 1, maximum: 5 },
    mode: { enum: ['fast', 'safe'] },
    tags: { type: 'array', items: { type: 'string', maxLength: 6 }, minItems: 1, maxItems: 3 },
    owner: { type: 'object', properties: { id: { type: 'integer' }, active: { type: 'boolean' } }, required: ['id', 'active'] },
  },
  required: ['name', 'level', 'mode', 'tags', 'owner'],
  additionalProperties: false,
};
// Far more items than `tokens` can hold: the run always ends at the token limit.
export const schema = { type: 'array', items: item, minItems: 40 };
export const prompt = 'Here is the list of records as JSON:\n';

/** The middle value (the upper one of an even count). @param {number[]} xs */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * @param {import('../../js/src/index.js').SmolLM} llm a loaded model
 * @param {{tokens: number, repeats: number}} options
 * @returns {Promise<object>} decode tok/s of each (median of the repeats), their ratio, the time
 *   to the first token of each (the prompt is cached: grammar setup plus one decode step), and
 *   first_constrained_ms, the first constrained request after load, with first_free_ms, the
 *   unconstrained request just before it, and their difference (cold_grammar_extra_ms).
 *   repeats 0: only those three.
 */
export async function measureSchemaDecode(llm, { tokens, repeats }) {
  /** @param {object} extra */
  async function once(extra) {
    const start = performance.now();
    let first = -1;
    let n = 0;
    for await (const piece of llm.generate(prompt, { temperature: 0, maxTokens: tokens, ignoreEos: true, ...extra })) {
      if (first < 0 && piece.tokens.length) first = performance.now() - start;
      n += piece.tokens.length;
    }
    const s = llm.stats;
    return { tps: s.decodeTokensPerSecond, first, n, finish: s.finishReason };
  }

  await once({});   // prefill the prompt: every run below reuses it
  // The first constrained request after load pays for cold grammar code (the wasm engine's
  // baseline tier); the unconstrained request just before it is its control, one decode step
  // of the same cached prompt.
  const firstFree = await once({});
  const firstConstrained = await once({ jsonSchema: schema });
  const cold = {
    first_free_ms: +firstFree.first.toFixed(1),
    first_constrained_ms: +firstConstrained.first.toFixed(1),
    cold_grammar_extra_ms: +(firstConstrained.first - firstFree.first).toFixed(1),
  };
  if (repeats === 0) return cold;
  const free = [];
  const constrained = [];
  for (let r = 0; r < repeats; r++) {
    free.push(await once({}));
    constrained.push(await once({ jsonSchema: schema }));
  }
  const freeTps = median(free.map((x) => x.tps));
  const gramTps = median(constrained.map((x) => x.tps));
  return {
    free_tps: +freeTps.toFixed(2), schema_tps: +gramTps.toFixed(2), ratio: +(gramTps / freeTps).toFixed(3),
    free_first_ms: +median(free.map((x) => x.first)).toFixed(1),
    schema_first_ms: +median(constrained.map((x) => x.first)).toFixed(1),
    ...cold,
    schema_tokens: constrained.map((x) => `${x.n}/${x.finish}`),
  };
}
