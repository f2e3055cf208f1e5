// Every command answers --help with its usage (exit 0), listing every flag it declares; every
// generation field of the table is a flag of generate and chat, parsed into the package's
// option and checked (a bad value is a usage error naming the flag); generate and chat run
// with them (writer model with its synthetic vocabulary: no ../shared needed).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FIELD_LIST } from '../../../js/src/options/generation-fields.js';
import { UsageError, parseCommandArgs } from '../../../js/src/cli/flags.js';
import { generationFromFlags } from '../../../js/src/cli/generation-flags.js';
import { INSPECT } from '../../../js/src/cli/inspect.js';
import { EVAL } from '../../../js/src/cli/eval.js';
import { PERPLEXITY } from '../../../js/src/cli/perplexity.js';
import { DETOKENIZE, TOKENIZE } from '../../../js/src/cli/tokenize.js';
import { GENERATE } from '../../../js/src/cli/generate.js';
import { CHAT } from '../../../js/src/cli/chat.js';
import { BENCH } from '../../../js/src/cli/bench.js';
import { SERVE } from '../../../js/src/cli/serve.js';
import { SmolLM } from '../../../js/src/index.js';
import { ROOT, syntheticModel } from '../package/support/models.mjs';

const CLI = join(ROOT, 'js/bin/smollm-wasm.js');
const run = promisify(execFile);
const COMMANDS = {
  inspect: INSPECT, eval: EVAL, perplexity: PERPLEXITY, tokenize: TOKENIZE, detokenize: DETOKENIZE,
  generate: GENERATE, chat: CHAT, bench: BENCH, serve: SERVE,
};

// --grammar-file and --json-schema name files.
const FILES = mkdtempSync(join(tmpdir(), 'smollm-cli-flags-'));
after(() => rmSync(FILES, { recursive: true, force: true }));
const GRAMMAR = 'root ::= [a-z]{1,3}\n';
writeFileSync(join(FILES, 'g.gbnf'), GRAMMAR);
writeFileSync(join(FILES, 's.json'), '{"type": "object"}');

// Flag arguments for each field and the option they must give.
const GIVEN = {
  grammar: [['--grammar-file', join(FILES, 'g.gbnf')], GRAMMAR],
  jsonSchema: [[`--json-schema=${join(FILES, 's.json')}`], { type: 'object' }],
  grammarTrigger: [['--grammar-trigger=<tool_call>'], '<tool_call>'],
  temperature: [['--temperature=0.7'], 0.7],
  topK: [['--top-k=5'], 5],
  topP: [['--top-p=0.5'], 0.5],
  minP: [['--min-p=0.1'], 0.1],
  repeatPenalty: [['--repeat-penalty=1.3'], 1.3],
  presencePenalty: [['--presence-penalty=0.5'], 0.5],
  frequencyPenalty: [['--frequency-penalty=-0.5'], -0.5],
  penaltyLastN: [['--repeat-last-n=8'], 8],
  seed: [['--seed=42'], 42],
  logitBias: [['--logit-bias=7=3', '--logit-bias', '9=-1'], { 7: 3, 9: -1 }],
  maxTokens: [['--max-tokens=3'], 3],
  stop: [['--stop=a', '--stop', 'b'], ['a', 'b']],
  ignoreEos: [['--ignore-eos'], true],
  prefillChunk: [['--prefill-chunk=8'], 8],
  logprobs: null,   // no flag of its own: --logprobs N implies it
  topLogprobs: [['--logprobs=3'], 3],
  contextShift: [['--no-context-shift'], false],
  nKeep: [['--keep=12'], 12],
};
const WITH_FLAG = FIELD_LIST.filter((f) => f.cli !== null);

function chatCli(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'chat', ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`exit ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}

describe('CLI flags', () => {
  for (const [name, command] of Object.entries(COMMANDS)) {
    test(`${name} --help prints its usage and every flag it declares, exit 0`, async () => {
      for (const args of [[name, '--help'], [name, '-h'], [name, '--no-such-flag', '--help']]) {
        const { stdout } = await run(process.execPath, [CLI, ...args]);
        assert.ok(stdout.startsWith(`usage: smollm-wasm ${name} `), stdout);
        for (const [, flags] of command.flagGroups) {
          for (const flag of Object.keys(flags)) assert.match(stdout, new RegExp(`--${flag}\\b`), `${name}: --${flag}`);
        }
      }
    });
  }

  test('the overall usage lists every command and exits 0', async () => {
    const { stdout } = await run(process.execPath, [CLI, '--help']);
    for (const name of Object.keys(COMMANDS)) assert.match(stdout, new RegExp(`smollm-wasm ${name} `));
  });

  test('generate and chat list every generation field, with its default', async () => {
    assert.deepEqual(Object.keys(GIVEN).sort(), FIELD_LIST.map((f) => f.name).sort());
    for (const command of ['generate', 'chat']) {
      // Wrapped help lines joined back: one line a flag.
      const help = (await run(process.execPath, [CLI, command, '--help'])).stdout.replace(/\n {20,}/g, ' ');
      for (const field of WITH_FLAG) {
        assert.match(help, new RegExp(`--${field.cli.flag}\\b`), `${command}: ${field.name}`);
        if (typeof field.default === 'number') assert.match(help, new RegExp(`--${field.cli.flag}\\b.*\\(default ${field.default}\\)`));
      }
    }
  });

  test('every generation flag is parsed into its option; aliases and short forms too', () => {
    for (const field of WITH_FLAG) {
      const [args, expected] = GIVEN[field.name];
      for (const [name, command] of [['generate', GENERATE], ['chat', CHAT]]) {
        const { values } = parseCommandArgs(name, command, args);
        assert.deepEqual(generationFromFlags(values), { [field.name]: expected, ...field.cli.implies }, field.name);
      }
    }
    const { values } = parseCommandArgs('generate', GENERATE, ['--temp', '0.4', '-n', '7', '-s', '3']);
    assert.deepEqual(generationFromFlags(values), { temperature: 0.4, maxTokens: 7, seed: 3 });
  });

  test('a bad generation flag is a usage error naming the flag', () => {
    for (const [args, flag] of [
      [['--top-k=1.5'], '--top-k'], [['--top-p=0'], '--top-p'], [['--temperature=hot'], '--temperature'],
      [['--max-tokens='], '--max-tokens'], [['--logit-bias=7'], '--logit-bias'], [['--logit-bias=x=1'], '--logit-bias'],
      [['--logit-bias=7=up'], '--logit-bias.7'], [['--stop='], '--stop[0]'], [['--seed=-1'], '--seed'],
      [['--prefill-chunk=0'], '--prefill-chunk'], [['--logprobs=21'], '--logprobs'], [['--logprobs=-1'], '--logprobs'],
      [['--keep=-2'], '--keep'], [['--n-keep=x'], '--keep'],
    ]) {
      const { values } = parseCommandArgs('generate', GENERATE, args);
      assert.throws(() => generationFromFlags(values), (e) => e instanceof UsageError && e.message.startsWith(`${flag} expects`), args.join(' '));
    }
  });

  test('generate runs with every generation flag, and they act', async () => {
    const model = syntheticModel();
    // A grammar and a schema together are refused: the grammar stands for both.
    const all = WITH_FLAG.filter((f) => f.name !== 'jsonSchema').flatMap((f) => GIVEN[f.name][0]);
    const { stderr } = await run(process.execPath, [CLI, 'generate', '-m', model, '-p', 'hello', '--threads', '1', ...all]);
    assert.match(stderr, /[0-3] generated/);
    const forced = await run(process.execPath, [CLI, 'generate', '-m', model, '-p', 'hello', '-t', '1', '--temperature=0', '--ignore-eos', '-n', '4', '--logit-bias', '7=100']);
    const llm = await SmolLM.load(model, { worker: false, threads: 1, contextSize: 64, cache: false });
    try {
      assert.equal(forced.stdout, `${await llm.detokenize([7, 7, 7, 7])}\n`);
    } finally {
      await llm.unload();
    }
    assert.match(forced.stderr, /4 generated/);
  });

  test('generate and chat --logprobs N print each token\'s log-probability and N alternatives on stderr', async () => {
    const model = syntheticModel();
    // One line a token: logprob, the token's text as JSON, [the N most likely with theirs].
    const tokenLines = (stderr) => stderr.split('\n').filter((l) => /^-?\d+\.\d{4}\t"/.test(l));
    const { stderr } = await run(process.execPath, [CLI, 'generate', '-m', model, '-p', 'hello', '-t', '1', '--temperature=0', '-n', '4', '--ignore-eos', '--logprobs', '20']);
    const lines = tokenLines(stderr);
    assert.equal(lines.length, 4, stderr);
    for (const line of lines) {
      const [logprob, token, top] = line.split('\t');
      assert.ok(Number(logprob) <= 0);
      // Greedy: the chosen token is among the most likely, with the same value.
      assert.ok(top.startsWith('[') && top.includes(`${token} ${logprob}`), line);
    }
    const chat = await chatCli(['-m', model, '-t', '1', '--temperature', '0', '--ignore-eos', '-n', '3', '--logprobs', '1'], 'hi\n');
    assert.equal(tokenLines(chat.stderr).length, 3, chat.stderr);
    const plain = await run(process.execPath, [CLI, 'generate', '-m', model, '-p', 'hello', '-t', '1', '-n', '2', '--ignore-eos']);
    assert.equal(tokenLines(plain.stderr).length, 0);
  });

  test('model flags reach SmolLM.load: a bad --simd is its InvalidArgumentError (exit 1)', async () => {
    await assert.rejects(() => run(process.execPath, [CLI, 'generate', '-m', syntheticModel(), '-p', 'x', '--simd', 'fastest']),
      (e) => e.code === 1 && /InvalidArgumentError: simd must be one of/.test(e.stderr));
  });

  test('chat passes every generation flag on (--ignore-eos and -n among them)', async () => {
    const model = syntheticModel();
    const eos = ['--logit-bias', '2=100', '-t', '1', '--temperature', '0'];
    // The synthetic vocabulary's end-of-generation token 2, pushed up: without --ignore-eos
    // the reply ends at once; with it, -n decides.
    const stopped = await chatCli(['-m', model, ...eos, '-n', '5'], 'hi\n');
    assert.match(stopped.stderr, /0 generated.*finish: stop/);
    const { stderr } = await chatCli(['-m', model, ...eos, '--ignore-eos', '-n', '5'], 'hi\n');
    assert.match(stderr, /5 generated.*finish: length/);
  });
});
