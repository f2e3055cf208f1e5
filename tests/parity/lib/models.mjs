// The models the parity tests run: every file in ../shared/golden/models, plus models our
// writer generates (single types, llama.cpp mixes, SmolLM2 shapes, an untied model).
import {existsSync, readdirSync} from 'node:fs';
import {join} from 'node:path';

import {sharedDir} from './prompts.mjs';

export async function parityModels() {
    const dir = join(sharedDir, 'golden/models');
    const models = [];
    if (!existsSync(dir)) {
        models.push({name: 'golden models', skip: `${dir} is missing (reference data from ../shared)`});
    } else {
        for (const f of readdirSync(dir).filter((f) => f.endsWith('.gguf')).sort()) {
            models.push({name: f, path: join(dir, f), text: f.startsWith('tiny-py')});
        }
    }
    return models;
}
