#!/usr/bin/env node
// Template fuzzer: random and mutated Jinja chat templates (the untrusted program a GGUF
// carries) rendered by the package's renderChat under its limits, each with a time budget.
// Every render must end within its budget with a prompt or a named error (TemplateLimitError,
// or InvalidArgumentError for a template that does not parse or fails); a render the
// watchdog has to kill (a hang), a crash of the rendering thread (out of memory) or any other
// error is a finding, written to --out with the input that caused it.
//
//   node fuzz/template/fuzz_template.mjs [--runs N | --seconds S] [--budget-ms 200] [--seed 1]
//        [--out DIR]
//
// Renders run in a worker_threads Worker (capped heap) so a hang or an out-of-memory crash is
// caught by this process, which then starts a new worker and goes on. Generation is seeded:
// the same flags give the same inputs.
import { Worker } from 'node:worker_threads';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CHATML_TEMPLATE } from '../../js/src/chat-template.js';
import { generateInput } from './template_generator.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
// A render past its budget by this much has not stopped at its limits: a hang.
const WATCHDOG_MS = 10_000;

function seeds() {
  const out = [CHATML_TEMPLATE];
  const smol = resolve(ROOT, '../shared/smollm2/chat_template.jinja');
  if (existsSync(smol)) out.push(readFileSync(smol, 'utf8'));
  return out;
}

function startWorker(budgetMs) {
  return new Worker(join(HERE, 'render_worker.mjs'), {
    workerData: { budgetMs },
    resourceLimits: { maxOldGenerationSizeMb: 512 },
  });
}

// Renders one input on `state.worker`; resolves to {outcome, ms} or a finding.
function renderOne(state, input) {
  return new Promise((resolveRender) => {
    const { worker } = state;
    const started = performance.now();
    let settled = false;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      worker.off('message', onMessage);
      worker.off('error', onError);
      resolveRender({ ...result, ms: performance.now() - started });
    };
    const onMessage = (message) => finish(message);
    const onError = (error) => {
      state.worker = null;
      finish({ finding: `the rendering thread crashed: ${error.code ?? ''} ${error.message}` });
    };
    const watchdog = setTimeout(() => {
      state.worker = null;
      worker.terminate();
      finish({ finding: `no result after ${WATCHDOG_MS} ms (a hang)` });
    }, WATCHDOG_MS + state.budgetMs);
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.postMessage(input);
  });
}

/**
 * Runs the fuzzer. Returns {runs, outcomes: {name: count}, findings: [{input, finding}], slowestMs}.
 */
export async function fuzzTemplates({ runs = Infinity, seconds = Infinity, budgetMs = 200, seed = 1, out = null, log = () => {} } = {}) {
  const state = { worker: null, budgetMs };
  const corpus = seeds();
  const outcomes = {};
  const findings = [];
  let slowestMs = 0;
  const deadline = performance.now() + seconds * 1000;
  let i = 0;
  for (; i < runs && performance.now() < deadline; ++i) {
    state.worker ??= startWorker(budgetMs);
    const input = generateInput(seed * 1_000_003 + i, corpus);
    const result = await renderOne(state, input);
    slowestMs = Math.max(slowestMs, result.ms);
    if (result.finding) {
      findings.push({ input, finding: result.finding });
      if (out) {
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, `finding-${seed}-${i}.json`), JSON.stringify({ input, finding: result.finding }, null, 2));
      }
      log(`finding at run ${i}: ${result.finding}`);
      continue;
    }
    outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
  }
  await state.worker?.terminate();
  return { runs: i, outcomes, findings, slowestMs };
}

async function main() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' }, seconds: { type: 'string' }, 'budget-ms': { type: 'string' },
      seed: { type: 'string' }, out: { type: 'string' },
    },
  });
  const runs = values.runs ? Number(values.runs) : Infinity;
  const seconds = values.seconds ? Number(values.seconds) : (values.runs ? Infinity : 60);
  const report = await fuzzTemplates({
    runs, seconds, budgetMs: Number(values['budget-ms'] ?? 200), seed: Number(values.seed ?? 1),
    out: values.out ?? null, log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify({ ...report, findings: report.findings.length })}\n`);
  process.exit(report.findings.length ? 1 : 0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
