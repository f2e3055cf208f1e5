// llama.cpp's side of the parity checks: node-llama-cpp (CPU build, never compiled here)
// evaluating the same GGUF and token ids, returning full logit vectors.
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync} from 'node:fs';
import {register} from 'node:module';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {getLlama, LlamaLogLevel} from 'node-llama-cpp';
import {repoRoot} from './ours.mjs';

let llamaPromise = null;
let cpuVariant = null;

// The debug level only to read which CPU variant ggml loaded ("load_backend: loaded CPU backend
// from .../libggml-cpu-zen4.so"); errors are printed as with logLevel 'error'.
function logger(level, message) {
    const loaded = /loaded CPU backend from .*libggml-cpu-([\w-]+)\.so/.exec(String(message));
    if (loaded) cpuVariant ??= loaded[1];
    else if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) console.error(String(message).trim());
}

// ggml loads the best CPU build the machine runs from node-llama-cpp's prebuilt package, and on
// an Intel Xeon with AMX that is 'sapphirerapids', whose F16 and quantized matmuls go through
// its AMX module's kernels: another summation order (tiny-py-F16's logits differ from position 0,
// by 1.5e-4 of the range). The reference is the build users of every other x86 machine with
// AVX-512 get, and whose float order we mirror: the package resolves (through a module hook)
// to a copy whose bins folder links every file but the AMX builds. ggml then loads the best of
// the rest (zen4 on that Xeon); referenceCpuVariant() says which.
const AMX_CPU_BUILDS = ['sapphirerapids'];

function packageWithoutAmxBuilds() {
    const target = `${process.platform}-${process.arch}`;
    const specifier = `@node-llama-cpp/${target}`;
    const original = join(repoRoot, 'node_modules', '@node-llama-cpp', target);
    const bins = join(original, 'bins', target);
    if (!AMX_CPU_BUILDS.some((v) => existsSync(join(bins, `libggml-cpu-${v}.so`)))) return null;
    const copy = mkdtempSync(join(tmpdir(), 'smollm-node-llama-cpp-'));
    mkdirSync(join(copy, 'dist'));
    mkdirSync(join(copy, 'bins', target), {recursive: true});
    // Copies, not links: index.js finds the bins folder next to itself.
    copyFileSync(join(original, 'package.json'), join(copy, 'package.json'));
    copyFileSync(join(original, 'dist', 'index.js'), join(copy, 'dist', 'index.js'));
    const skipped = new Set(AMX_CPU_BUILDS.map((v) => `libggml-cpu-${v}.so`));
    for (const file of readdirSync(bins)) {
        if (!skipped.has(file)) symlinkSync(join(bins, file), join(copy, 'bins', target, file));
    }
    register('./reference-variant-hooks.mjs', import.meta.url, {
        data: {specifier, url: pathToFileURL(join(copy, 'dist', 'index.js')).href},
    });
    process.once('exit', () => rmSync(copy, {recursive: true, force: true}));
    return copy;
}

function llama() {
    if (!llamaPromise) {
        packageWithoutAmxBuilds();
        llamaPromise = getLlama({gpu: false, build: 'never', logLevel: LlamaLogLevel.debug, logger});
    }
    return llamaPromise;
}

// Which of node-llama-cpp's CPU builds computes the reference on this machine (e.g. 'zen4',
// 'sapphirerapids', 'haswell'): ggml picks the best one the CPU runs, and their float orders
// differ. Known once a reference has been opened.
export async function referenceCpuVariant() {
    await llama();
    return cpuVariant ?? 'unknown';
}

function mapToRow(map, nVocab) {
    const row = new Float32Array(nVocab);
    row.fill(Number.NaN);
    for (const [id, logit] of map) row[id] = logit;
    return row;
}

// Opens a model and a context able to hold `contextSize` tokens. Flash attention is pinned on:
// node-llama-cpp 3.22's default ("auto") and llama-cli's resolve to on for the CPU backend, so
// this is the path users get. One thread by default: with more, llama.cpp's one-token attention
// splits the cached keys across its threads once 512 cells are in view (past position 255 in a
// context of 512 or more) and its logits then depend on the thread count; with one it computes
// the single pass our engine mirrors at every thread count.
// `contextOptions` go to createContext as they are (e.g. experimentalKvCacheKeyType: 'Q8_0').
export async function openReference(modelPath, contextSize, threads = 1, contextOptions = {}) {
    const l = await llama();
    const model = await l.loadModel({modelPath});
    const ctx = await model.createContext({
        contextSize: Math.max(contextSize, 32),
        batchSize: Math.min(512, Math.max(contextSize, 32)),
        threads,
        flashAttention: true,
        ...contextOptions,
    });
    // The vocabulary size is the length of a logit vector: one probe evaluation tells it.
    const seq = ctx.getSequence();
    const nVocab = (await seq.controlledEvaluate([[0, {generateNext: {logits: true}}]]))[0].next.logits.size;
    return {
        model,
        nVocab,
        // The logits of positions [from, tokens.length) for `tokens` evaluated from position 0
        // (a fresh sequence), row (position - from) of the result.
        async logits(tokens, from = 0) {
            await seq.clearHistory();
            const out = await seq.controlledEvaluate(tokens.map((t, i) => (i >= from ? [t, {generateNext: {logits: true}}] : t)));
            const all = new Float32Array((tokens.length - from) * nVocab);
            for (let i = from; i < tokens.length; i++) all.set(mapToRow(out[i].next.logits, nVocab), (i - from) * nVocab);
            return all;
        },
        // The same, one token per evaluation (llama.cpp's decode path).
        async logitsOneByOne(tokens) {
            await seq.clearHistory();
            const all = new Float32Array(tokens.length * nVocab);
            for (const [i, t] of tokens.entries()) {
                const out = await seq.controlledEvaluate([[t, {generateNext: {logits: true}}]]);
                all.set(mapToRow(out[0].next.logits, nVocab), i * nVocab);
            }
            return all;
        },
        // Greedy continuation of `prompt` for up to n tokens, stopping at an end-of-generation
        // token (not included). Returns the tokens and the logits each was chosen from.
        async greedy(prompt, n) {
            await seq.clearHistory();
            const tokens = [];
            const steps = [];
            let input = prompt.map((t, i) => (i === prompt.length - 1 ? [t, {generateNext: {logits: true}}] : t));
            for (let i = 0; i < n; i++) {
                const out = await seq.controlledEvaluate(input);
                const row = mapToRow(out[out.length - 1].next.logits, nVocab);
                const next = argmax(row);
                steps.push(row);
                if (model.isEogToken(next)) break;
                tokens.push(next);
                input = [[next, {generateNext: {logits: true}}]];
            }
            return {tokens, steps};
        },
        // One sequence evaluated step by step: clear() empties it, evaluate(tokens) appends
        // tokens and returns the last one's logits, erase(start, end) removes cached tokens
        // [start, end) and moves the later ones down (llama_memory_seq_rm + seq_add: llama.cpp's
        // context shift, its keys re-rotated at the next evaluation), cached() is its length.
        async clear() {
            await seq.clearHistory();
        },
        async evaluate(tokens) {
            const out = await seq.controlledEvaluate(tokens.map((t, i) => (i === tokens.length - 1 ? [t, {generateNext: {logits: true}}] : t)));
            return mapToRow(out[out.length - 1].next.logits, nVocab);
        },
        async erase(start, end) {
            await seq.eraseContextTokenRanges([{start, end}]);
        },
        cached() {
            return seq.nextTokenIndex;
        },
        // The most likely token that does not end generation (ignore_eos's choice).
        argmaxNotEog(row) {
            let best = -1;
            for (let i = 0; i < row.length; i++) {
                if ((best < 0 || row[i] > row[best]) && !model.isEogToken(i)) best = i;
            }
            return best;
        },
        async dispose() {
            await ctx.dispose();
            await model.dispose();
        },
    };
}

export function argmax(row) {
    let best = 0;
    for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
    return best;
}
