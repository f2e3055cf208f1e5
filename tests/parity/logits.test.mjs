// Full-logit parity with llama.cpp (node-llama-cpp) at every prompt position, native engine,
// for the models of lib/models.mjs (the CI set by default; SMOLLM_PARITY_SET=full for all).
// Run: node --test tests/parity/logits.test.mjs   (prints the table; SMOLLM_EVAL_CMD switches
// our side to another command).
import {defineLogitTests} from './lib/define-logit-tests.mjs';
import {parityModels} from './lib/models.mjs';

defineLogitTests(await parityModels(), 'native');
