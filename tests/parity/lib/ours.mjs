// Our side of the parity checks: the command that produces our logits is this one function.
// SMOLLM_EVAL_CMD switches it (e.g. to the wasm CLI): a command line with the placeholders
// {model}, {tokens} (comma-separated ids) and {out} (the .f32 file to write), default the
// native tool `smollm_native eval -m {model} --tokens {tokens} --dump-logits {out}`. Both
// default commands evaluate batches in llama.cpp's batch order (--batch-order llama.cpp, the
// load option batchOrder), the mode whose batches are meant to equal llama.cpp's.
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

// The native tool: SMOLLM_NATIVE_BIN, else the first build directory that has it.
export function nativeTool() {
    if (process.env.SMOLLM_NATIVE_BIN) return process.env.SMOLLM_NATIVE_BIN;
    for (const dir of ['build-model', 'build']) {
        const p = join(repoRoot, dir, 'smollm_native');
        if (existsSync(p)) return p;
    }
    throw new Error('smollm_native not found: build it (cmake --build build-model --target smollm_native) or set SMOLLM_NATIVE_BIN');
}

export function threadsForTests() {
    return Number(process.env.SMOLLM_TEST_THREADS ?? 2);
}

function splitCommand(template, values) {
    return template.trim().split(/\s+/).map((part) => part.replace(/\{(\w+)\}/g, (_, k) => values[k]));
}

// The shipped wasm build through its CLI (SIMD128 kernels, 2 threads), as a command template.
export function wasmEvalCommand() {
    return `${process.execPath} ${join(repoRoot, 'js/bin/smollm-wasm.js')} eval -m {model} --tokens {tokens} --threads 2 --top 1 --batch-order llama.cpp --dump-logits {out}`;
}

// `extraArgs` are appended to the command (flags the native tool and the CLI share, e.g.
// --kv-type-k q8_0). `command`: a template as above for this call (default SMOLLM_EVAL_CMD,
// else the native tool).
export function ourLogits(modelPath, tokens, nVocab, extraArgs = [], command = undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'smollm-parity-'));
    const out = join(dir, 'logits.f32');
    try {
        const template = command ?? process.env.SMOLLM_EVAL_CMD ??
            `${nativeTool()} eval -m {model} --tokens {tokens} --threads ${threadsForTests()} --top 1 --batch-order llama.cpp --dump-logits {out}`;
        const [cmd, ...args] = splitCommand(template, {model: modelPath, tokens: tokens.join(','), out});
        execFileSync(cmd, [...args, ...extraArgs], {stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26});
        const bytes = readFileSync(out);
        if (bytes.length !== tokens.length * nVocab * 4) {
            throw new Error(`${out} has ${bytes.length} bytes, expected ${tokens.length} x ${nVocab} float32`);
        }
        return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4).slice();
    } finally {
        rmSync(dir, {recursive: true, force: true});
    }
}

// Our greedy continuation (temperature 0) through the generation loop, stopping at EOG, the
// prompt evaluated in llama.cpp's batch order as llama.cpp evaluates it.
export function ourGreedy(modelPath, prompt, n) {
    const out = execFileSync(nativeTool(), ['generate', '-m', modelPath, '--tokens', prompt.join(','),
        '--max-tokens', String(n), '--temp', '0', '--threads', String(threadsForTests()), '--batch-order', 'llama.cpp', '--json'],
    {encoding: 'utf8', maxBuffer: 1 << 26});
    return JSON.parse(out).tokens;
}
