// A test page of the demo's Markdown renderer alone, for the browser test of the DOM it
// builds (tests/browser/demo/markdown_dom.test.mjs) and the streaming bench
// (bench/demo/markdown_stream.mjs): Vite bundles demo/src/markdown_dom.js (and any extra
// modules given) into a temporary folder, served from 127.0.0.1 by sirv under the demo's
// page Content-Security-Policy, so the renderer runs as it does in the app. The page exposes
// the modules as window.modules[name] and sets window.ready.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

const demoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function demoCsp() {
  const sandbox = { globalThis: {} };
  vm.runInNewContext(fs.readFileSync(path.join(demoDir, 'csp.js'), 'utf8'), sandbox);
  return sandbox.globalThis.SMOLLM_DEMO_CSP;
}

// modules: { name: absolute path of an ES module }; markdown_dom.js is always "markdown".
export async function startMarkdownPage(modules = {}) {
  const all = { markdown: path.join(demoDir, 'src', 'markdown_dom.js'), ...modules };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smollm-markdown-page-'));
  const app = path.join(dir, 'app');
  fs.mkdirSync(app);
  const imports = Object.entries(all).map(([name, file], i) => `import * as m${i} from ${JSON.stringify(file)};\nwindow.modules[${JSON.stringify(name)}] = m${i};`);
  // The app's styles too, so layout costs what it costs in the app.
  const styles = [path.join(demoDir, 'styles.css'), path.join(demoDir, '..', 'node_modules', 'highlight.js', 'styles', 'github-dark.css')].map((f) => `import ${JSON.stringify(f)};`).join('\n');
  fs.writeFileSync(path.join(app, 'main.js'), `${styles}\nwindow.modules = {};\n${imports.join('\n')}\nwindow.ready = true;\n`);
  fs.writeFileSync(path.join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><title>markdown</title><link rel="icon" href="data:,"><script type="module" src="./main.js"></script><body><div id="host" class="message assistant"><div class="body"></div></div></body>');
  const { build } = await import('vite');
  await build({
    root: app,
    configFile: false,
    logLevel: 'error',
    base: './',
    build: { outDir: path.join(dir, 'dist'), emptyOutDir: true, reportCompressedSize: false },
  });
  const csp = demoCsp();
  const files = sirv(path.join(dir, 'dist'), {
    dev: true,
    setHeaders: (res) => res.setHeader('Content-Security-Policy', `${csp.page}; ${csp.headerOnly}`),
  });
  const server = http.createServer((req, res) => files(req, res, () => {
    res.statusCode = 404;
    res.end();
  }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
