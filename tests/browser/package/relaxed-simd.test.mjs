// The relaxed-SIMD builds in headless Chromium and Firefox ESR: the same model loaded twice in
// one page, once forced onto the relaxed build and once onto the plain SIMD128 build, must give
// bit-identical logits (compared as raw float32 bits) at every position, both for a prefill of
// 11 tokens (token tiles of 4, 4 and a remainder of 3) in both batch orders (the load option
// batchOrder: 'fast' and 'llama.cpp', whose Q4_K tiles are 4, 4, 1, 1, 1 and whose IQ4_XS takes
// the IQ panel order) and for the same tokens evaluated one
// at a time (the decode path), in the multi-thread (2 threads) and single-thread builds; and an
// 80-token prefill in the llama.cpp order, whose attention then takes llama.cpp's tiled kernel
// (fused multiply-adds: relaxed_madd in the relaxed build, emulated in double in SIMD128). The
// models cover every kernel the relaxed build replaces: tiny-py-Q4_K_M (Q4_K + Q6_K) and
// tiny-py-IQ4_XS (both from ../shared, quantized by llama.cpp) and a writer-generated all-Q5_K
// model. Q4_0, IQ4_NL, Q8_0 and Q5_0 follow llama.cpp's order with batchOrder 'llama.cpp'
// (fused multiply-adds per block, native in the relaxed build): there a token at a time and a
// batch must give the native tool's logits (same order) bit for bit (the parity suite checks
// those against llama.cpp's). Then 'auto'
// must pick the relaxed build,
// and a deployment whose relaxed files answer 404 must fall back to SIMD128 with the reason.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SHARED, syntheticModel } from '../../js/package/support/models.mjs';
import { IMPORT_MAP, PACKAGE_ROUTES } from '../../support/package-routes.mjs';
import { listen, staticRoutes } from '../../support/static-server.mjs';
import { ENGINES, missingBrowser } from '../browsers.mjs';
import { createHash } from 'node:crypto';
import { nativeTool, ourLogits } from '../../parity/lib/ours.mjs';

const RELAXED_FILES = ['smollm-mt-relaxed.js', 'smollm-mt-relaxed.wasm', 'smollm-mt-relaxed.worker.js', 'smollm-mt-relaxed.worker-text.js',
  'smollm-st-relaxed.js', 'smollm-st-relaxed.wasm'];
const missingRelaxed = RELAXED_FILES.filter((f) => !existsSync(join(ROOT, 'js/wasm', f)));
const skipAll = missingRelaxed.length
  ? `the relaxed-SIMD builds are absent (js/wasm/${missingRelaxed.join(', ')}): configure a wasm build with -DSMOLLM_RELAXED_SIMD=ON (needs LLVM 19)`
  : false;
if (skipAll) console.log(`skipping the relaxed-SIMD browser test: ${skipAll}`);

const Q4_MODEL = join(SHARED, 'golden/models/tiny-py-Q4_K_M.gguf');
const skipQ4 = existsSync(Q4_MODEL) ? false : `${Q4_MODEL} is absent`;
const IQ4_XS_MODEL = join(SHARED, 'golden/models/tiny-py-IQ4_XS.gguf');
const skipIq4 = existsSync(IQ4_XS_MODEL) ? false : `${IQ4_XS_MODEL} is absent`;

const PROMPT = 'def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n';
const N_TOKENS = 11;
// 64 or more tokens in one micro-batch take the tiled attention (src/model/flash_attention_tiled.h).
const LONG_PROMPT = PROMPT.repeat(4);
const N_TILED = 80;

// Runs in the page. Loads `url` with each SIMD kind in turn and compares the two logit sets
// bit for bit; only a summary comes back (the logits stay in the page).
const PAGE = `<!doctype html><meta charset="utf-8"><title>relaxed SIMD parity</title><link rel="icon" href="data:,">
${IMPORT_MAP}
<script type="module">
  import { SmolLM } from './js/src/index.js';
  import { relaxedSimdSupport } from './js/src/simd-support.js';

  const load = (url, options) => SmolLM.load(url, { threads: 2, contextSize: 64, cache: false, onWarning: () => {}, ...options });

  function mismatches(a, b, nVocab) {
    const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
    const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
    let count = 0;
    let first = null;
    for (let i = 0; i < x.length; ++i) {
      if (x[i] === y[i]) continue;
      count += 1;
      first ??= { position: Math.floor(i / nVocab), token: i % nVocab, relaxed: a[i], simd128: b[i] };
    }
    return { count, first, length: x.length };
  }

  // Finite everywhere and not flat in any row: equal garbage would also compare equal.
  function sane(logits, nVocab) {
    for (let row = 0; row < logits.length / nVocab; ++row) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of logits.subarray(row * nVocab, (row + 1) * nVocab)) {
        if (!Number.isFinite(v)) return false;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      if (!(hi > lo)) return false;
    }
    return true;
  }

  window.compareKinds = async (url, build, prompt, nTokens, kvCacheType) => {
    const runs = {};
    for (const simd of ['relaxed', 'simd128']) {
      const llm = await load(url, { simd, build, ...(kvCacheType ? { kvCacheType } : {}) });
      const tokens = (await llm.tokenize(prompt)).slice(0, nTokens);
      const prefill = await llm.evalLogits(tokens);
      const decode = await llm.evalLogits(tokens, { batchSize: 1 });
      const { simd: kind, simdReason, build: usedBuild, threads, tensorTypes, kvCacheKeyType, kvCacheValueType } = llm.info;
      await llm.unload();
      const llama = await load(url, { simd, build, batchOrder: 'llama.cpp', ...(kvCacheType ? { kvCacheType } : {}) });
      const prefillLlama = await llama.evalLogits(tokens);
      await llama.unload();
      runs[simd] = { tokens, nVocab: prefill.nVocab, prefill: prefill.logits, prefillLlama: prefillLlama.logits, decode: decode.logits,
        info: { simd: kind, simdReason, build: usedBuild, threads, tensorTypes, kvCacheKeyType, kvCacheValueType } };
    }
    const { relaxed, simd128 } = runs;
    const nVocab = relaxed.nVocab;
    return {
      tokens: relaxed.tokens,
      sameTokens: relaxed.tokens.join() === simd128.tokens.join(),
      relaxedInfo: relaxed.info,
      simd128Info: simd128.info,
      sane: sane(relaxed.prefill, nVocab) && sane(relaxed.decode, nVocab),
      prefill: mismatches(relaxed.prefill, simd128.prefill, nVocab),
      prefillLlama: mismatches(relaxed.prefillLlama, simd128.prefillLlama, nVocab),
      decode: mismatches(relaxed.decode, simd128.decode, nVocab),
    };
  };

  // An nTokens prefill in the llama.cpp batch order, relaxed against simd128.
  window.compareTiled = async (url, build, prompt, nTokens) => {
    const runs = {};
    for (const simd of ['relaxed', 'simd128']) {
      const llm = await load(url, { simd, build, batchOrder: 'llama.cpp', contextSize: 2 * nTokens });
      const tokens = (await llm.tokenize(prompt)).slice(0, nTokens);
      const out = await llm.evalLogits(tokens);
      runs[simd] = { tokens, nVocab: out.nVocab, logits: out.logits, simd: llm.info.simd };
      await llm.unload();
    }
    const { relaxed, simd128 } = runs;
    return {
      tokens: relaxed.tokens.length,
      sameTokens: relaxed.tokens.join() === simd128.tokens.join(),
      kinds: [relaxed.simd, simd128.simd],
      sane: sane(relaxed.logits, relaxed.nVocab),
      tiled: mismatches(relaxed.logits, simd128.logits, relaxed.nVocab),
    };
  };

  // The relaxed build's logits for the prompt's first nTokens in the llama.cpp order, one token
  // at a time and as one batch, each as a SHA-256 of their bytes (the vectors stay in the page).
  window.llamaOrderDigests = async (url, build, prompt, nTokens) => {
    const llm = await load(url, { simd: 'relaxed', build, batchOrder: 'llama.cpp' });
    const tokens = (await llm.tokenize(prompt)).slice(0, nTokens);
    const decode = await llm.evalLogits(tokens, { batchSize: 1 });
    const batch = await llm.evalLogits(tokens);
    const { simd, tensorTypes } = llm.info;
    await llm.unload();
    const digest = async (v) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(v.buffer, v.byteOffset, v.byteLength)))]
      .map((b) => b.toString(16).padStart(2, '0')).join('');
    return { tokens, nVocab: decode.nVocab, simd, tensorTypes, decode: await digest(decode.logits), batch: await digest(batch.logits),
      sane: sane(decode.logits, decode.nVocab) && sane(batch.logits, batch.nVocab) };
  };

  // What 'auto' and 'relaxed' give on this page.
  window.choose = async (url) => {
    const auto = await load(url, {});
    const { simd, simdReason } = auto.info;
    await auto.unload();
    let forced;
    try {
      const llm = await load(url, { simd: 'relaxed' });
      forced = { loaded: llm.info.simd };
      await llm.unload();
    } catch (error) {
      forced = { error: error.name, message: error.message };
    }
    return { simd, simdReason, forced };
  };

  window.support = relaxedSimdSupport();
  window.ready = true;
</script>`;

// Serves the page and the package with COOP/COEP (so the multi-thread build can run) and the
// models. Under /norelaxed/ the same page sees a deployment without the relaxed files.
function startServer(models) {
  const serve = staticRoutes({ '/': { body: PAGE, type: 'text/html' }, ...PACKAGE_ROUTES, ...models });
  return listen((req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith('/norelaxed/')) return serve(req, res);
    if (/-relaxed\./.test(url)) {
      res.writeHead(404);
      return res.end();
    }
    req.url = url.slice('/norelaxed'.length);
    serve(req, res);
  });
}

function assertIdentical(result, label) {
  assert.ok(result.tokens.length >= 9, `${label}: the prompt gave only ${result.tokens.length} tokens`);
  assert.ok(result.sameTokens, `${label}: the two builds tokenized the prompt differently`);
  assert.equal(result.relaxedInfo.simd, 'relaxed', `${label}: ${result.relaxedInfo.simdReason}`);
  assert.equal(result.simd128Info.simd, 'simd128');
  assert.ok(result.sane, `${label}: logits are not finite or a row is flat`);
  for (const kind of ['prefill', 'prefillLlama', 'decode']) {
    const m = result[kind];
    assert.equal(m.count, 0, `${label} ${kind}: ${m.count} of ${m.length} logits differ, first ${JSON.stringify(m.first)}`);
  }
}

// WebKit has no relaxed SIMD: there every bit-identity case skips by name and the fallback
// case runs. Whether SharedArrayBuffer is exposed changes nothing here, so one WebKit variant
// (webkit-sab shows as skipped with that reason).
const SAME_AS_WEBKIT = 'WebKit has no relaxed SIMD with or without SharedArrayBuffer: the webkit run covers its fallback';
for (const engine of ENGINES) {
  const skip = skipAll || missingBrowser(engine) || (engine.name === 'webkit-sab' ? SAME_AS_WEBKIT : false);
  describe(`relaxed SIMD in ${engine.name}`, { skip }, () => {
    let browser;
    let server;
    let support;
    const models = {};
    before(async () => {
      models['/q5k.gguf'] = syntheticModel({ dim: 256, ffn: 512, type: 'q5_k' });
      models['/q4_0.gguf'] = syntheticModel({ dim: 256, ffn: 512, type: 'q4_0' });
      models['/iq4_nl.gguf'] = syntheticModel({ dim: 256, ffn: 512, type: 'iq4_nl' });
      models['/q8_0.gguf'] = syntheticModel({ dim: 256, ffn: 512, type: 'q8_0' });
      models['/q5_0.gguf'] = syntheticModel({ dim: 256, ffn: 512, type: 'q5_0' });
      if (!skipQ4) models['/q4km.gguf'] = Q4_MODEL;
      if (!skipIq4) models['/iq4xs.gguf'] = IQ4_XS_MODEL;
      server = await startServer(models);
      browser = await engine.launch();
      await browser.goto(`${server.url}/`);
      await browser.waitFor(() => window.ready === true, undefined, 30000);
      support = await browser.evaluate(() => window.support);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    // The quantized KV caches' kernels (model/kv_kernels.cpp) are compiled by both LLVMs too
    // (LLVM 14 for SIMD128, 19 for relaxed), each with its own code for the same arithmetic.
    const cases = [
      { model: '/q4km.gguf', types: ['Q4_K', 'Q6_K'], skip: skipQ4 },
      { model: '/q5k.gguf', types: ['Q5_K'], skip: false },
      { model: '/iq4xs.gguf', types: ['IQ4_XS'], skip: skipIq4 },
      { model: '/q4km.gguf', types: ['Q4_K', 'Q6_K'], kv: 'q8_0', builds: ['multi-thread'], skip: skipQ4 },
      { model: '/q5k.gguf', types: ['Q5_K'], kv: 'q4_0', builds: ['single-thread'], skip: false },
    ];
    for (const { model, types, kv, builds = ['multi-thread', 'single-thread'], skip: skipModel } of cases) {
      for (const build of builds) {
        test(`${model.slice(1)} (${types.join(' + ')}${kv ? `, ${kv} KV cache` : ''}), ${build}: relaxed and simd128 logits are bit-identical`,
          { skip: skipModel }, async (t) => {
            if (!support.supported) {
              t.skip(`${engine.name} has no usable relaxed SIMD (${support.reason}): the fallback test covers it`);
              return;
            }
            const result = await browser.evaluate(([u, b, p, n, k]) => window.compareKinds(u, b, p, n, k),
              [`${server.url}${model}`, build, PROMPT, N_TOKENS, kv ?? null]);
            for (const type of types) assert.ok(result.relaxedInfo.tensorTypes[type] > 0, `${model} has no ${type} tensor`);
            if (kv) assert.deepEqual([result.relaxedInfo.kvCacheKeyType, result.relaxedInfo.kvCacheValueType], [kv, kv]);
            assert.equal(result.relaxedInfo.build, build);
            assert.equal(result.relaxedInfo.threads, build === 'multi-thread' ? 2 : 1);
            assertIdentical(result, `${engine.name} ${model} ${build}`);
          });
      }
    }

    for (const { model, build, skip: skipModel } of [
      { model: '/q4km.gguf', build: 'multi-thread', skip: skipQ4 },
      { model: '/q5k.gguf', build: 'single-thread', skip: false },
    ]) {
      test(`${model.slice(1)}, ${build}, ${N_TILED}-token prefill in the llama.cpp order (tiled attention): relaxed and simd128 logits are bit-identical`,
        { skip: skipModel }, async (t) => {
          if (!support.supported) {
            t.skip(`${engine.name} has no usable relaxed SIMD (${support.reason}): the fallback test covers it`);
            return;
          }
          const r = await browser.evaluate(([u, b, p, n]) => window.compareTiled(u, b, p, n),
            [`${server.url}${model}`, build, LONG_PROMPT, N_TILED]);
          assert.equal(r.tokens, N_TILED, `the prompt gave only ${r.tokens} tokens`);
          assert.ok(r.sameTokens, 'the two builds tokenized the prompt differently');
          assert.deepEqual(r.kinds, ['relaxed', 'simd128']);
          assert.ok(r.sane, 'logits are not finite or a row is flat');
          assert.equal(r.tiled.count, 0, `${r.tiled.count} of ${r.tiled.length} logits differ, first ${JSON.stringify(r.tiled.first)}`);
        });
    }

    let native = null;
    try {
      native = nativeTool();
    } catch (error) {
      native = null;
    }
    for (const type of ['q4_0', 'iq4_nl', 'q8_0', 'q5_0']) {
      test(`${type}, one token at a time and as a batch: the relaxed build gives the native tool's logits (llama.cpp's order) bit for bit`,
        { skip: native ? false : 'the native tool smollm_native is not built (cmake --build build)' }, async (t) => {
          if (!support.supported) {
            t.skip(`${engine.name} has no usable relaxed SIMD (${support.reason})`);
            return;
          }
          const r = await browser.evaluate(([u, p, n]) => window.llamaOrderDigests(u, 'multi-thread', p, n),
            [`${server.url}/${type}.gguf`, PROMPT, N_TOKENS]);
          assert.equal(r.simd, 'relaxed');
          assert.ok(r.tensorTypes[type.toUpperCase()] > 0, `the model has no ${type} tensor: ${JSON.stringify(r.tensorTypes)}`);
          assert.ok(r.sane, 'logits are not finite or a row is flat');
          const digest = (v) => createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex');
          const path = models[`/${type}.gguf`];
          assert.equal(r.decode, digest(ourLogits(path, r.tokens, r.nVocab, ['--batch-size', '1'])),
            `${engine.name}: the relaxed build's ${r.tokens.length} x ${r.nVocab} logits one token at a time differ from the native tool's`);
          assert.equal(r.batch, digest(ourLogits(path, r.tokens, r.nVocab)),
            `${engine.name}: the relaxed build's ${r.tokens.length} x ${r.nVocab} logits as one batch differ from the native tool's`);
        });
    }

    test('auto picks relaxed when supported; without the relaxed files it falls back to simd128', async () => {
      const withFiles = await browser.evaluate((u) => window.choose(u), `${server.url}/q5k.gguf`);
      if (support.supported) {
        assert.equal(withFiles.simd, 'relaxed', withFiles.simdReason);
        assert.match(withFiles.simdReason, /final semantics/);
        assert.equal(withFiles.forced.loaded, 'relaxed');
      } else {
        assert.equal(withFiles.simd, 'simd128');
        assert.match(withFiles.simdReason, /relaxed SIMD/);
        assert.equal(withFiles.forced.error, 'InvalidArgumentError');
      }

      await browser.goto(`${server.url}/norelaxed/`);
      await browser.waitFor(() => window.ready === true, undefined, 30000);
      const without = await browser.evaluate((u) => window.choose(u), `${server.url}/norelaxed/q5k.gguf`);
      assert.equal(without.simd, 'simd128');
      assert.equal(without.forced.error, 'InvalidArgumentError', JSON.stringify(without.forced));
      assert.match(without.forced.message, /simd: 'relaxed' cannot be used/);
      if (support.supported) assert.match(without.simdReason, /smollm-mt-relaxed failed to load .*: using simd128/);
    });
  });
}
