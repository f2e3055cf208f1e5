// A short run of the template fuzzer (fuzz/template): random and mutated chat templates, each
// rendered under a 200 ms budget, must all end with a prompt or a named error; none may hang
// (caught by the fuzzer's watchdog), crash the rendering thread or throw anything else.
// Seeded, so the inputs are the same on every run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzTemplates } from '../../../fuzz/template/fuzz_template.mjs';

test('300 fuzzed templates end in their budget with a result or a named error', { timeout: 600_000 }, async () => {
  const report = await fuzzTemplates({ runs: 300, budgetMs: 200, seed: 1 });
  assert.deepEqual(report.findings.map((f) => f.finding), []);
  assert.equal(report.runs, 300);
  // The inputs reach the limits, not only the parser.
  assert.ok(report.outcomes.rendered > 0, JSON.stringify(report.outcomes));
  assert.ok(Object.keys(report.outcomes).some((k) => k.startsWith('limit:')), JSON.stringify(report.outcomes));
});
