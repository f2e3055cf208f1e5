// Writes the benchmark prompts (the same as bench/e2e uses) to a JSON file, for machines
// without node-llama-cpp or ../shared: the device machine of bench/scaling/device.sh.
//   node bench/scaling/write_prompts.mjs OUT.json MODEL.gguf   (any GGUF with the SmolLM2 vocabulary)
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPrompts } from '../e2e/prompts.mjs';

const [out, model] = process.argv.slice(2);
if (!out || !model) {
  process.stderr.write('usage: node bench/scaling/write_prompts.mjs OUT.json MODEL.gguf\n');
  process.exit(2);
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const built = await buildPrompts(path.resolve(root, '../shared/smollm2/tokenizer.json'), model, { warmup: 8, short: 128, long: 512 });
writeFileSync(out, JSON.stringify(built));
