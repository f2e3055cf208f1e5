// tools/wasm-symbol-map.mjs: the relaxed build's symbol map is written from wasm-ld's name
// section (emcc's --emit-symbol-map needs a binaryen that can read that build), and the section
// is then taken out of the published module. A hand-built module checks the section walk, the
// map's lines (which tools/wasm-frames.mjs must read back) and that the stripped module is
// still valid; the built relaxed modules, when present, must carry no names and have a map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sections, symbolMapText, takeFunctionNames } from '../../../tools/wasm-symbol-map.mjs';
import { parseSymbolMap } from '../../../tools/wasm-frames.mjs';
import { ROOT } from '../package/support/models.mjs';

const utf8 = (s) => [...new TextEncoder().encode(s)];
const vec = (bytes) => [bytes.length, ...bytes];   // lengths here stay below 128 (one LEB byte)

/** Two empty functions, then a "name" section naming them. */
function moduleWithNames(names) {
  const typeSection = [0x01, ...vec([0x01, 0x60, 0x00, 0x00])];
  const functionSection = [0x03, ...vec([names.length, ...names.map(() => 0x00)])];
  const body = vec([0x00, 0x0b]);
  const codeSection = [0x0a, ...vec([names.length, ...names.flatMap(() => body)])];
  const entries = names.flatMap((n, i) => [i, ...vec(utf8(n))]);
  const functionNames = [0x01, ...vec([names.length, ...entries])];
  const nameSection = [0x00, ...vec([...vec(utf8('name')), ...functionNames])];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...typeSection, ...functionSection, ...codeSection, ...nameSection]);
}

test('the function names become index:name lines and leave the module, which stays valid', () => {
  const names = ['alpha', 'smollm::beta(int, float const*)', 'odd\\name'];
  const bytes = moduleWithNames(names);
  assert.ok(WebAssembly.validate(bytes), 'the hand-built module is valid');
  const { names: found, stripped } = takeFunctionNames(bytes);
  assert.deepEqual([...found], names.map((n, i) => [i, n]));
  assert.ok(WebAssembly.validate(stripped), 'the stripped module is valid');
  assert.deepEqual(sections(stripped).map((s) => s.id), [1, 3, 10], 'only the name section was removed');
  assert.equal(stripped.length, bytes.length - (sections(bytes).at(-1).end - sections(bytes).at(-1).start));
  const text = symbolMapText(found);
  assert.equal(text.split('\n')[1], '1:smollm::beta(int, float const*)');
  assert.deepEqual([...parseSymbolMap(text)], names.map((n, i) => [i, n]), 'wasm-frames reads the names back');
});

test('a module without names or not wasm at all is refused with the reason', () => {
  const bytes = moduleWithNames(['only']);
  const withoutNames = takeFunctionNames(bytes).stripped;
  assert.throws(() => takeFunctionNames(withoutNames), /no function names \(link with --profiling-funcs\)/);
  assert.throws(() => takeFunctionNames(new Uint8Array([1, 2, 3])), /not a wasm module/);
  assert.throws(() => takeFunctionNames(bytes.subarray(0, bytes.length - 3)), /runs past the end/);
});

for (const variant of ['mt', 'st']) {
  const wasm = join(ROOT, `js/wasm/smollm-${variant}-relaxed.wasm`);
  test(`the built smollm-${variant}-relaxed module has its map beside it and no names inside`,
    { skip: existsSync(wasm) ? false : `${wasm} is not built (the relaxed wasm build writes it)` }, () => {
      const bytes = readFileSync(wasm);
      const customNames = sections(bytes).filter((s) => s.id === 0)
        .map((s) => new TextDecoder().decode(bytes.subarray(s.body + 1, s.body + 1 + bytes[s.body])));
      assert.ok(!customNames.includes('name'), `custom sections: ${customNames.join(', ')}`);
      const map = parseSymbolMap(readFileSync(`${wasm.replace(/\.wasm$/, '')}.js.symbols`, 'utf8'));
      assert.ok([...map.values()].some((n) => n.startsWith('smollm::quant::')), 'the map names the engine\'s functions');
    });
}
