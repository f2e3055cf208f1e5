// Module resolution hook for lib/reference.mjs: node-llama-cpp's prebuilt-binaries package
// resolves to the copy `initialize` names, whose bins folder leaves out the CPU builds that
// lib/reference.mjs excludes. Runs in Node's hooks thread (module.register).
let replacement = null;

export function initialize({specifier, url}) {
    replacement = {specifier, url};
}

export async function resolve(specifier, context, nextResolve) {
    if (replacement && specifier === replacement.specifier) return {url: replacement.url, shortCircuit: true};
    return nextResolve(specifier, context);
}
