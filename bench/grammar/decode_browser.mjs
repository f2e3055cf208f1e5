// bench/grammar/decode.mjs's measurement in headless Chromium (the figure): the package
// loads the model in the bench page (bench/e2e's host: COOP/COEP, so the multi-thread build)
// and runs schema_decode.js there. Prints one JSON line like decode.mjs.
//   node bench/grammar/decode_browser.mjs MODEL.gguf [tokens=128] [threads=2] [repeats=3]
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startBenchServer } from '../e2e/bench_server.mjs';
import { CHROMIUM_ARGS } from '../e2e/browser_chromium.mjs';

const [model, tokensArg = '128', threadsArg = '2', repeatsArg = '3'] = process.argv.slice(2);
if (!model) {
  console.error('usage: node bench/grammar/decode_browser.mjs MODEL.gguf [tokens] [threads] [repeats]');
  process.exit(2);
}
const job = { tokens: Number(tokensArg), threads: Number(threadsArg), repeats: Number(repeatsArg) };

const server = await startBenchServer(path.dirname(path.resolve(model)));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/bench/index.html`);
  if (!(await page.evaluate(() => crossOriginIsolated))) throw new Error('the bench page is not cross-origin isolated');
  const result = await page.evaluate(async ({ url, job: j }) => {
    const { SmolLM } = await import('/js/src/index.js');
    const { measureSchemaDecode } = await import('/grammar/schema_decode.js');
    const llm = await SmolLM.load(url, { threads: j.threads, contextSize: 1024, cache: false });
    const info = { build: llm.info.build, threads: llm.info.threads, simd: llm.info.simd };
    const measured = await measureSchemaDecode(llm, j);
    await llm.unload();
    return { ...info, ...measured };
  }, { url: `${server.url}/models/${path.basename(model)}`, job });
  console.log(JSON.stringify({ model: path.basename(model), browser: `Chromium ${browser.version()}`, ...job, ...result }));
} finally {
  await browser.close();
  await server.close();
}
