// Types of the Emscripten glue beside this file, which the wasm build writes (web/bindings.cpp,
// cmake/wasm.cmake); present before any build so that the package type-checks without one.
import type { SmolLMModuleFactory } from '../src/wasm-module-types.js';

declare const createSmolLMModule: SmolLMModuleFactory;
export default createSmolLMModule;
