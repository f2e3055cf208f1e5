// What every browser driver (Playwright for Chromium, Puppeteer for Firefox, the browser
// tests' WebDriver adapter for WebKit) does on the bench page: open it, insist on cross-origin
// isolation, time a plain fetch of the model (the reference for the load-time target), then
// run one engine's runner. All three accept page.goto(url) and page.evaluate(fn, oneArg),
// which is all this uses.
const RUNNERS = { ours: '/bench/run_ours.js', wllama: '/bench/run_wllama.js' };

export async function runOnBenchPage(page, origin, engine, job, browserName) {
  await page.goto(`${origin}/bench/index.html`);
  if (!(await page.evaluate(() => crossOriginIsolated))) {
    throw new Error(`the bench page is not crossOriginIsolated in ${browserName}: check the server headers`);
  }
  const fetchRef = await page.evaluate(async (url) => {
    const t0 = performance.now();
    const response = await fetch(url, { cache: 'no-store' });
    const reader = response.body.getReader();
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
    }
    return { ms: performance.now() - t0, bytes };
  }, job.modelUrl);
  const result = await page.evaluate(
    async ({ runner, job }) => (await import(runner)).run(job),
    { runner: RUNNERS[engine], job },
  );
  result.fetchMs = fetchRef.ms;
  result.fileBytes = fetchRef.bytes;
  return result;
}
