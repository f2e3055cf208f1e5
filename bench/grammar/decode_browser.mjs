// bench/grammar/decode.mjs's measurement in headless Chromium (the figure): the package
// loads the model in the bench page (bench/e2e's host: COOP/COEP, so the multi-thread build)
// and runs schema_decode.js there. Then `loads - 1` more fresh pages (a new wasm instance each,
// its code cold) measure only the first constrained request after load against the request
// just before it; the median of those differences over all loads is what grammar setup adds
// to a cold first token. Prints one JSON line like decode.mjs.
//   node bench/grammar/decode_browser.mjs MODEL.gguf [tokens=128] [threads=2] [repeats=3] [loads=3]
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startBenchServer } from '../e2e/bench_server.mjs';
import { CHROMIUM_ARGS } from '../e2e/browser_chromium.mjs';
import { median } from './schema_decode.js';

const [model, tokensArg = '128', threadsArg = '2', repeatsArg = '3', loadsArg = '3'] = process.argv.slice(2);
if (!model) {
  console.error('usage: node bench/grammar/decode_browser.mjs MODEL.gguf [tokens] [threads] [repeats] [loads]');
  process.exit(2);
}
const job = { tokens: Number(tokensArg), threads: Number(threadsArg), repeats: Number(repeatsArg) };
const loads = Math.max(1, Number(loadsArg));

const server = await startBenchServer(path.dirname(path.resolve(model)));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
/** @param {number} repeats */
async function measureInFreshPage(repeats) {
  const page = await browser.newPage();
  try {
    await page.goto(`${server.url}/bench/index.html`);
    if (!(await page.evaluate(() => crossOriginIsolated))) throw new Error('the bench page is not cross-origin isolated');
    return await page.evaluate(async ({ url, job: j }) => {
      const { SmolLM } = await import('/js/src/index.js');
      const { measureSchemaDecode } = await import('/grammar/schema_decode.js');
      const llm = await SmolLM.load(url, { threads: j.threads, contextSize: 1024, cache: false });
      const info = { build: llm.info.build, threads: llm.info.threads, simd: llm.info.simd };
      const measured = await measureSchemaDecode(llm, j);
      await llm.unload();
      return { ...info, ...measured };
    }, { url: `${server.url}/models/${path.basename(model)}`, job: { ...job, repeats } });
  } finally {
    await page.close();
  }
}

try {
  const result = await measureInFreshPage(job.repeats);
  const extras = [result.cold_grammar_extra_ms];
  for (let i = 1; i < loads; i++) extras.push((await measureInFreshPage(0)).cold_grammar_extra_ms);
  console.log(JSON.stringify({
    model: path.basename(model), browser: `Chromium ${browser.version()}`, ...job, loads, ...result,
    cold_grammar_extra_ms_each_load: extras, cold_grammar_extra_ms_median: median(extras),
  }));
} finally {
  await browser.close();
  await server.close();
}
