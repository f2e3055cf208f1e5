// js/src/wasm-module-types.d.ts is written by hand next to web/bindings.cpp: tsc checks the JS
// against it, and this test checks it against the module the build binds, so neither can
// drift. The declaration is read with the TypeScript compiler's parser.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import ts from 'typescript';

import { createModule } from '../../../js/src/wasm-module.js';

const DECLARATION = new URL('../../../js/src/wasm-module-types.d.ts', import.meta.url);

// Member names of each interface, and the string members of each union type alias.
function declared() {
  const file = ts.createSourceFile('types.d.ts', readFileSync(DECLARATION, 'utf8'), ts.ScriptTarget.Latest, true);
  const interfaces = new Map();
  const unions = new Map();
  for (const node of file.statements) {
    if (ts.isInterfaceDeclaration(node)) {
      interfaces.set(node.name.text, node.members.filter((m) => m.name).map((m) => m.name.getText(file)));
    } else if (ts.isTypeAliasDeclaration(node) && ts.isUnionTypeNode(node.type)) {
      const literals = node.type.types.filter((t) => ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal));
      unions.set(node.name.text, literals.map((t) => t.literal.text));
    }
  }
  return { interfaces, unions };
}

describe('the Embind module matches its declaration', () => {
  let module;
  let types;
  before(async () => {
    module = await createModule('single-thread', 1);
    types = declared();
  });

  test('every module member declared is there', () => {
    for (const name of types.interfaces.get('SmolLMModule')) {
      if (name === 'PThread') continue;   // the multi-thread build's only
      assert.ok(module[name] !== undefined, `SmolLMModule.${name} is declared but not bound`);
    }
  });

  test('the Engine class binds exactly the declared methods', () => {
    const bound = Object.getOwnPropertyNames(module.Engine.prototype).filter((n) => n !== 'constructor').sort();
    const methods = types.interfaces.get('WasmEngine').sort();
    assert.deepEqual(bound, methods);
    assert.equal(typeof module.Engine.load, 'function');
  });

  test('the Sha256 class binds exactly the declared methods', () => {
    const bound = Object.getOwnPropertyNames(module.Sha256.prototype).filter((n) => n !== 'constructor').sort();
    assert.deepEqual(bound, types.interfaces.get('WasmSha256').sort());
  });

  test('ErrorKindName lists exactly the bound ErrorKind values', () => {
    const bound = Object.keys(module.ErrorKind).filter((k) => k !== 'values').sort();
    assert.deepEqual(bound, types.unions.get('ErrorKindName').sort());
  });
});
