// The pthread worker script's text, which the wasm build writes beside this file
// (js/scripts/worker-text.mjs); present before any build so that the package type-checks.
declare const workerText: string;
export default workerText;
