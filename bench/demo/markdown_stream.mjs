#!/usr/bin/env node
// Streaming cost of the demo's Markdown rendering: a 4,000-token answer is fed to the renderer
// one token at a time, as the chat view does while an answer streams (it renders at most once
// a frame; here every token renders, the worst case), forcing layout after each, in headless
// Chromium (or Firefox). Compared: the renderer of the app today (markdown-it + highlight.js,
// MarkdownView keeping unchanged blocks) and the one before it (our own parser, the whole
// answer rebuilt each time), taken from git at BEFORE_REF.
//
//   node bench/demo/markdown_stream.mjs [--browser chromium|firefox] [--tokens 4000]
//
// Prints, per answer shape, the mean time per token over the whole answer and over its last
// 500 tokens (the long-answer cost), and the slowest token, in milliseconds.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserEngine } from '../../tests/browser/browsers.mjs';
import { startMarkdownPage } from '../../demo/tools/markdown_page.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// The last commit with the demo's own Markdown parser (demo/src/markdown_parse.js, 312 lines).
const BEFORE_REF = '628d5de';

function parseArgs(argv) {
  const opts = { browser: 'chromium', tokens: 4000 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--browser') opts.browser = argv[++i];
    else if (argv[i] === '--tokens') opts.tokens = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!Number.isInteger(opts.tokens) || opts.tokens < 100) throw new Error('--tokens must be an integer >= 100');
  return opts;
}

// The renderer before this change, as a module of its own (it imports only its parser).
function writeBeforeRenderer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smollm-markdown-before-'));
  for (const file of ['markdown_parse.js', 'markdown_dom.js']) {
    const source = execFileSync('git', ['show', `${BEFORE_REF}:demo/src/${file}`], { cwd: repoRoot, encoding: 'utf8' });
    fs.writeFileSync(path.join(dir, file), source);
  }
  return dir;
}

// Answers of about `tokens` tokens (a token: a word piece of up to 4 characters and the space
// after it, about what a BPE tokenizer makes of English and code).
function answers(tokens) {
  const prose = 'The function below reads the **file** line by line and counts the words; `split()` with no argument splits on any run of whitespace.';
  const code = 'def count_words(path):\n    """Count the words of a text file."""\n    total = 0\n    with open(path, encoding="utf-8") as f:\n        for line in f:\n            total += len(line.split())  # words on this line\n    return total\n';
  const mixedUnit = `${prose}\n\n- first, *open* the file\n- then count\n\n\`\`\`python\n${code}\`\`\`\n\n`;
  const codeUnit = code.replace('def count_words', 'def count_words_again');
  return {
    'mixed (prose, lists, code blocks)': grow(mixedUnit, tokens, ''),
    'one long Python code block': grow(codeUnit, tokens, '```python\n'),
  };
}

function grow(unit, tokens, prefix) {
  const pieces = [...prefix.match(/\S{1,4}\s*|\s+/g) ?? []];
  while (pieces.length < tokens) pieces.push(...unit.match(/\S{1,4}\s*|\s+/g));
  return pieces.slice(0, tokens);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const beforeDir = writeBeforeRenderer();
  const page = await startMarkdownPage({ before: path.join(beforeDir, 'markdown_dom.js') });
  const browser = await browserEngine(opts.browser).launch();
  try {
    await browser.goto(page.url);
    await browser.waitFor(() => window.ready === true, null, 30000);
    console.log(`${opts.browser}, ${opts.tokens} tokens a answer, one render per token with layout forced (ms per token)`);
    console.log('answer | renderer | mean | mean of last 500 | slowest | characters');
    for (const [shape, pieces] of Object.entries(answers(opts.tokens))) {
      for (const which of ['before', 'after']) {
        const r = await browser.evaluate(({ pieces: list, which: kind }) => {
          const host = document.querySelector('#host .body');
          host.replaceChildren();
          const render = kind === 'after'
            ? ((view) => (text) => view.update(text))(new window.modules.markdown.MarkdownView(host))
            : (text) => host.replaceChildren(window.modules.before.renderMarkdown(text));
          const times = [];
          let text = '';
          for (const piece of list) {
            text += piece;
            const t0 = performance.now();
            render(text);
            void host.offsetHeight; // layout, as the frame that shows it would
            times.push(performance.now() - t0);
          }
          const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
          return { mean: mean(times), tail: mean(times.slice(-500)), max: Math.max(...times), chars: text.length };
        }, { pieces, which });
        console.log(`${shape} | ${which} | ${r.mean.toFixed(3)} | ${r.tail.toFixed(3)} | ${r.max.toFixed(1)} | ${r.chars}`);
      }
    }
  } finally {
    await browser.close();
    await page.close();
    fs.rmSync(beforeDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`markdown_stream: ${err.stack ?? err}`);
  process.exit(1);
});
