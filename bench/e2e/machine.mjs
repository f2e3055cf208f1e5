// Describes the machine and the software versions for the results file.
import { readFileSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function packageVersion(root, name) {
  try {
    return JSON.parse(readFileSync(`${root}/node_modules/${name}/package.json`, 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

function wasmBuiltAt(root) {
  try {
    return statSync(`${root}/js/wasm/smollm-mt.wasm`).mtime.toISOString().replace(/\.\d+Z$/, 'Z');
  } catch {
    return '(js/wasm missing)';
  }
}

export function describeMachine(root, extra = {}) {
  const cpu = os.cpus();
  const flags = (readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').split(/\s+/);
  const simd = ['avx2', 'avx512f', 'avx512_vnni', 'avx_vnni', 'fma'].filter((f) => flags.includes(f));
  const osName = /PRETTY_NAME="([^"]+)"/.exec(sh('cat', ['/etc/os-release']) ?? '')?.[1] ?? os.type();
  const commit = sh('git', ['-C', root, 'rev-parse', '--short', 'HEAD']);
  const dirty = sh('git', ['-C', root, 'status', '--porcelain', '--', 'src', 'web', 'js', 'cmake']);
  return {
    CPU: `${cpu[0]?.model ?? 'unknown'}, ${cpu.length} logical cores visible (${simd.join(', ') || 'no AVX2'})`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    OS: `${osName}, Linux ${os.release()}`,
    Node: process.version,
    'our package': `smollm-wasm ${packageVersion(root, 'smollm-wasm')} at commit ${commit ?? '?'}${dirty ? ' + uncommitted changes' : ''}, wasm built ${wasmBuiltAt(root)}`,
    wllama: `@wllama/wllama ${packageVersion(root, '@wllama/wllama')}`,
    'native llama.cpp': `node-llama-cpp ${packageVersion(root, 'node-llama-cpp')} (prebuilt CPU binary)`,
    ...extra,
  };
}
