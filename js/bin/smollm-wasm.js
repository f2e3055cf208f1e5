#!/usr/bin/env node
// smollm-wasm: the package's command line. Every command runs the wasm build (not a native
// one), in this process. Each command declares its flags once (src/cli/flags.js): parsing and
// `smollm-wasm <command> --help` both come from that declaration.
import { INSPECT } from '../src/cli/inspect.js';
import { EVAL } from '../src/cli/eval.js';
import { PERPLEXITY } from '../src/cli/perplexity.js';
import { DETOKENIZE, TOKENIZE } from '../src/cli/tokenize.js';
import { GENERATE } from '../src/cli/generate.js';
import { CHAT } from '../src/cli/chat.js';
import { BENCH } from '../src/cli/bench.js';
import { SERVE } from '../src/cli/serve.js';
import { UsageError, commandUsage, parseCommandArgs } from '../src/cli/flags.js';

/** @type {Record<string, import('../src/cli/flags.js').Command>} */
const COMMANDS = {
  inspect: INSPECT,
  eval: EVAL,
  perplexity: PERPLEXITY,
  tokenize: TOKENIZE,
  detokenize: DETOKENIZE,
  generate: GENERATE,
  chat: CHAT,
  bench: BENCH,
  serve: SERVE,
};

function usage() {
  return `usage: smollm-wasm <command> [options]\n${Object.values(COMMANDS).map((c) => `  smollm-wasm ${c.synopsis}`).join('\n')}\n` +
    '`smollm-wasm <command> --help` lists a command\'s flags.\n';
}

/** @param {string[]} argv @returns {Promise<number | null>} the exit code, null to keep running */
async function main(argv) {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : null;
  if (!command) throw new UsageError(`unknown command "${name}"\n${usage()}`);
  const { help, values, positionals } = parseCommandArgs(name, command, rest);
  if (help) {
    process.stdout.write(commandUsage(name, command));
    return 0;
  }
  const outcome = await command.run(values, positionals);
  return outcome?.keepRunning ? null : 0;
}

main(process.argv.slice(2)).then(
  // Exit explicitly: the multi-thread build's pthread workers would keep the process alive.
  (code) => {
    if (code !== null) process.exit(code);
  },
  (/** @type {Error} */ error) => {
    if (error instanceof UsageError) process.stderr.write(`smollm-wasm: ${error.message}\n`);
    else process.stderr.write(`smollm-wasm: ${error.name && error.name !== 'Error' ? `${error.name}: ` : ''}${error.message}\n`);
    if (process.env.SMOLLM_WASM_DEBUG && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
