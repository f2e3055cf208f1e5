// The same declaration as every build's worker text (smollm-mt.worker-text.d.ts says why these
// files exist).
export { default } from './smollm-mt.worker-text.js';
