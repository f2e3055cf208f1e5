import { chromium } from 'playwright-core';
setTimeout(() => { console.log('WATCHDOG'); process.exit(3); }, 110000).unref();
import { startServer } from './server.mjs';
const srv = await startServer({ '/wllama/': 'node_modules/@wllama/wllama/esm/', '/bench/': 'bench/e2e/page/', '/models/': '/work/shared/golden/models/' });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless=new','--no-sandbox','--disable-gpu'] });
const page = await browser.newPage();
await page.goto(srv.origin + '/bench/index.html');
await page.evaluate(async () => {
  const { Wllama } = await import('/wllama/index.js');
  const w = new Wllama({ default: '/wllama/wasm/wllama.wasm' });
  await w.loadModelFromUrl('/models/tiny-a-Q4_K_M.gguf', { n_ctx: 2048, n_threads: 2, n_gpu_layers: 0, n_parallel: 1, useCache: false });
  window.w = w;
});
console.log('loaded'); const cdp = await browser.newBrowserCDPSession();
const { targetInfos } = await cdp.send('Target.getTargets');
console.log(targetInfos.map(t => [t.type, t.url.slice(-20), t.attached]));

let id = 1000; const pending = new Map();
cdp.on('Target.receivedMessageFromTarget', e => { const m = JSON.parse(e.message); if (pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); } });
const call = (sid, method, params) => new Promise((res) => { const i = ++id; setTimeout(() => res({ timeout: method }), 5000); pending.set(i, res); cdp.send('Target.sendMessageToTarget', { sessionId: sid, message: JSON.stringify({ id: i, method, params }) }).catch(e => res({ error: e.message })); });
for (const t of targetInfos.filter(t => t.type === 'worker')) {
  let sid;
  try { sid = (await cdp.send('Target.attachToTarget', { targetId: t.targetId, flatten: false })).sessionId; } catch (e) { console.log('attach err', e.message); continue; }
  console.log('attached', sid.slice(0, 6));
  console.log('enable', JSON.stringify(await call(sid, 'Runtime.enable', {})).slice(0,80));
  const proto = await call(sid, 'Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
  console.log('proto', JSON.stringify(proto).slice(0, 150));
  if (!proto.result?.result?.objectId) continue;
  const q = await call(sid, 'Runtime.queryObjects', { prototypeObjectId: proto.result.result.objectId }); console.log('q', JSON.stringify(q).slice(0,150)); if (!q.result) continue;
  const r = await call(sid, 'Runtime.callFunctionOn', { objectId: q.result.objects.objectId, functionDeclaration: 'function(){ return this.map(m => m.buffer.byteLength) }', returnByValue: true });
  console.log(t.url.slice(-8), JSON.stringify(r.result?.result?.value ?? r));
  await cdp.send('Target.detachFromTarget', { sessionId: sid });
}
await browser.close(); await srv.close();
