// Decode speed under a JSON schema vs unconstrained, through the package (wasm, Node):
//   node bench/grammar/decode.mjs MODEL.gguf [tokens=128] [threads=2] [repeats=3]
// Greedy, the same prompt; the constrained run follows a nested schema long enough that it
// stops at `tokens` (finish 'length'), so both runs decode the same number of tokens. Prints
// one JSON line: decode tok/s of each (median of the repeats), their ratio, and the time to
// the first token of each (the prompt is cached: this is grammar setup plus one decode step);
// first_constrained_ms is the first constrained request after load.
import { SmolLM } from '../../js/src/index.js';

const [model, tokensArg = '128', threadsArg = '2', repeatsArg = '3'] = process.argv.slice(2);
if (!model) {
  console.error('usage: node bench/grammar/decode.mjs MODEL.gguf [tokens] [threads] [repeats]');
  process.exit(2);
}
const tokens = Number(tokensArg);
const threads = Number(threadsArg);
const repeats = Number(repeatsArg);

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
const schema = { type: 'array', items: item, minItems: 40 };
const prompt = 'Here is the list of records as JSON:\n';

const llm = await SmolLM.load(model, { worker: false, threads, contextSize: 1024, cache: false });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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
const firstConstrained = await once({ jsonSchema: schema });
const free = [];
const constrained = [];
for (let r = 0; r < repeats; r++) {
  free.push(await once({}));
  constrained.push(await once({ jsonSchema: schema }));
}
await llm.unload();
const freeTps = median(free.map((x) => x.tps));
const gramTps = median(constrained.map((x) => x.tps));
console.log(JSON.stringify({
  model: model.split('/').pop(), tokens, threads, repeats,
  free_tps: +freeTps.toFixed(2), schema_tps: +gramTps.toFixed(2), ratio: +(gramTps / freeTps).toFixed(3),
  free_first_ms: +median(free.map((x) => x.first)).toFixed(1),
  schema_first_ms: +median(constrained.map((x) => x.first)).toFixed(1),
  first_constrained_ms: +firstConstrained.first.toFixed(1),
  schema_tokens: constrained.map((x) => `${x.n}/${x.finish}`),
}));
