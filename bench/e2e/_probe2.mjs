import { chromium } from 'playwright-core';
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
const cdp = await browser.newBrowserCDPSession();
const { targetInfos } = await cdp.send('Target.getTargets');
console.log(targetInfos.map(t => [t.type, t.url.slice(-20), t.attached]));
// page-level session: auto attach to workers (non-flatten) and talk through sendMessageToTarget
const ps = await page.context().newCDPSession(page);
const sessions = [];
ps.on('Target.attachedToTarget', e => sessions.push(e));
let id = 1000; const pending = new Map();
ps.on('Target.receivedMessageFromTarget', e => { const m = JSON.parse(e.message); if (pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); } });
try { await ps.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false }); } catch (e) { console.log('autoattach err', e.message); }
await new Promise(r => setTimeout(r, 500));
console.log('attached', sessions.map(s => [s.targetInfo.type, s.sessionId.slice(0,6)]));
const call = (sid, method, params) => new Promise((res) => { const i = ++id; pending.set(i, res); ps.send('Target.sendMessageToTarget', { sessionId: sid, message: JSON.stringify({ id: i, method, params }) }).catch(e => res({ error: e.message })); });
for (const s of sessions) {
  const proto = await call(s.sessionId, 'Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
  if (!proto.result?.result?.objectId) { console.log('no proto', JSON.stringify(proto).slice(0,200)); continue; }
  const q = await call(s.sessionId, 'Runtime.queryObjects', { prototypeObjectId: proto.result.result.objectId });
  const r = await call(s.sessionId, 'Runtime.callFunctionOn', { objectId: q.result.objects.objectId, functionDeclaration: 'function(){ return this.map(m => m.buffer.byteLength) }', returnByValue: true });
  console.log(s.targetInfo.type, JSON.stringify(r.result?.result?.value ?? r));
}
await browser.close(); await srv.close();
