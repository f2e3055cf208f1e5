// Decode speed under a JSON schema vs unconstrained, through the package (wasm, Node):
//   node bench/grammar/decode.mjs MODEL.gguf [tokens=128] [threads=2] [repeats=3]
// Greedy, the same prompt; the constrained run follows a nested schema long enough that it
// stops at `tokens` (finish 'length'), so both runs decode the same number of tokens. Prints
// one JSON line: decode tok/s of each (median of the repeats), their ratio, and the time to
// the first token of each (the prompt is cached: this is grammar setup plus one decode step);
// first_constrained_ms is the first constrained request after load, cold_grammar_extra_ms what
// it took beyond the unconstrained request just before it.
import { SmolLM } from '../../js/src/index.js';
import { measureSchemaDecode } from './schema_decode.js';

const [model, tokensArg = '128', threadsArg = '2', repeatsArg = '3'] = process.argv.slice(2);
if (!model) {
  console.error('usage: node bench/grammar/decode.mjs MODEL.gguf [tokens] [threads] [repeats]');
  process.exit(2);
}
const tokens = Number(tokensArg);
const threads = Number(threadsArg);
const repeats = Number(repeatsArg);

const llm = await SmolLM.load(model, { worker: false, threads, contextSize: 1024, cache: false });
const result = await measureSchemaDecode(llm, { tokens, repeats });
await llm.unload();
console.log(JSON.stringify({ model: model.split('/').pop(), tokens, threads, repeats, ...result }));
