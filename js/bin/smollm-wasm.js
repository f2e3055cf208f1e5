#!/usr/bin/env node
// smollm-wasm: the package's command line. Every command runs the wasm build (not a native
// one), in this process.
import { parseArgs } from 'node:util';
import { INSPECT_OPTIONS, inspect } from '../src/cli/inspect.js';
import { EVAL_OPTIONS, evalCommand } from '../src/cli/eval.js';
import { PERPLEXITY_OPTIONS, perplexity } from '../src/cli/perplexity.js';
import { TOKENIZE_OPTIONS, detokenize, tokenize } from '../src/cli/tokenize.js';
import { GENERATE_OPTIONS, generate } from '../src/cli/generate.js';
import { CHAT_OPTIONS, chat } from '../src/cli/chat.js';
import { BENCH_OPTIONS, bench } from '../src/cli/bench.js';
import { SERVE_OPTIONS, serve } from '../src/cli/serve.js';
import { MODEL_OPTIONS, SAMPLING_OPTIONS, UsageError } from '../src/cli/model-options.js';

const COMMANDS = {
  inspect: { run: inspect, options: INSPECT_OPTIONS, usage: 'inspect FILE.gguf [--json]' },
  eval: { run: evalCommand, options: { ...MODEL_OPTIONS, ...EVAL_OPTIONS }, usage: 'eval -m FILE --tokens 1,2,3 [--top 10] [--threads N] [--dump-logits OUT.f32]' },
  perplexity: { run: perplexity, options: { ...MODEL_OPTIONS, ...PERPLEXITY_OPTIONS }, usage: 'perplexity -m FILE -f TEXT [--ctx 512] [--threads N]' },
  tokenize: { run: tokenize, options: { ...MODEL_OPTIONS, ...TOKENIZE_OPTIONS }, usage: 'tokenize -m FILE [--special] TEXT|-' },
  detokenize: { run: detokenize, options: { ...MODEL_OPTIONS, ...TOKENIZE_OPTIONS }, usage: 'detokenize -m FILE 1,2,3' },
  generate: { run: generate, options: { ...MODEL_OPTIONS, ...SAMPLING_OPTIONS, ...GENERATE_OPTIONS }, usage: 'generate -m FILE -p TEXT [-n N] [--temperature T] [--top-k K] [--top-p P] [--min-p P] [--repeat-penalty R] [--presence-penalty X] [--frequency-penalty X] [--seed S] [--stop STR]... [--ignore-eos]' },
  chat: { run: chat, options: { ...MODEL_OPTIONS, ...SAMPLING_OPTIONS, ...CHAT_OPTIONS }, usage: 'chat -m FILE [--system TEXT] [sampling flags]' },
  bench: { run: bench, options: { ...MODEL_OPTIONS, ...BENCH_OPTIONS }, usage: 'bench -m FILE [-p PROMPT_TOKENS] [-n GEN_TOKENS] [--reps 3] [--threads N] [--json]' },
  serve: { run: serve, options: { ...MODEL_OPTIONS, ...SERVE_OPTIONS }, usage: 'serve -m FILE [--host 127.0.0.1] [--port 8080]' },
};

function usage() {
  return `usage: smollm-wasm <command> [options]\n${Object.values(COMMANDS).map((c) => `  smollm-wasm ${c.usage}`).join('\n')}\n` +
    'Common: -m FILE (path or URL), --threads N, --ctx N, --no-cache, --single-thread\n';
}

async function main(argv) {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${error.message}\nusage: smollm-wasm ${command.usage}`);
  }
  const outcome = await command.run(parsed.values, parsed.positionals);
  return outcome?.keepRunning ? null : 0;
}

main(process.argv.slice(2)).then(
  // Exit explicitly: the multi-thread build's pthread workers would keep the process alive.
  (code) => {
    if (code !== null) process.exit(code);
  },
  (error) => {
    if (error instanceof UsageError) process.stderr.write(`smollm-wasm: ${error.message}\n`);
    else process.stderr.write(`smollm-wasm: ${error.name && error.name !== 'Error' ? `${error.name}: ` : ''}${error.message}\n`);
    if (process.env.SMOLLM_WASM_DEBUG && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
