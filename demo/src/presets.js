// Model presets: public GGUF repos on the Hugging Face hub, pinned by file name on `main`.
// Sizes are the ones the hub shows for these files (decimal units); the exact byte count
// comes from the server when the download starts.
const HUB = 'https://huggingface.co';

function hubFile(repo, file) {
  return `${HUB}/${repo}/resolve/main/${file}`;
}

export const PRESETS = [
  {
    id: 'smollm2-1.7b-q4_k_m',
    group: 'SmolLM2-1.7B-Instruct',
    name: 'Q4_K_M',
    title: 'SmolLM2-1.7B-Instruct Q4_K_M',
    url: hubFile('bartowski/SmolLM2-1.7B-Instruct-GGUF', 'SmolLM2-1.7B-Instruct-Q4_K_M.gguf'),
    bytes: 1.06e9,
    note: 'recommended',
  },
  {
    id: 'smollm2-1.7b-q5_k_m',
    group: 'SmolLM2-1.7B-Instruct',
    name: 'Q5_K_M',
    title: 'SmolLM2-1.7B-Instruct Q5_K_M',
    url: hubFile('bartowski/SmolLM2-1.7B-Instruct-GGUF', 'SmolLM2-1.7B-Instruct-Q5_K_M.gguf'),
    bytes: 1.23e9,
    note: 'higher quality, slower',
  },
  {
    id: 'smollm2-1.7b-iq4_xs',
    group: 'SmolLM2-1.7B-Instruct',
    name: 'IQ4_XS',
    title: 'SmolLM2-1.7B-Instruct IQ4_XS',
    url: hubFile('bartowski/SmolLM2-1.7B-Instruct-GGUF', 'SmolLM2-1.7B-Instruct-IQ4_XS.gguf'),
    bytes: 0.94e9,
    note: 'smallest',
  },
  {
    id: 'smollm-1.7b-q4_k_m',
    group: 'SmolLM-1.7B-Instruct',
    name: 'Q4_K_M',
    title: 'SmolLM-1.7B-Instruct Q4_K_M',
    url: hubFile('mradermacher/SmolLM-1.7B-Instruct-GGUF', 'SmolLM-1.7B-Instruct.Q4_K_M.gguf'),
    bytes: 1.06e9,
    note: '',
  },
  {
    id: 'smollm-1.7b-q5_k_m',
    group: 'SmolLM-1.7B-Instruct',
    name: 'Q5_K_M',
    title: 'SmolLM-1.7B-Instruct Q5_K_M',
    url: hubFile('mradermacher/SmolLM-1.7B-Instruct-GGUF', 'SmolLM-1.7B-Instruct.Q5_K_M.gguf'),
    bytes: 1.23e9,
    note: '',
  },
  {
    id: 'smollm-1.7b-iq4_xs',
    group: 'SmolLM-1.7B-Instruct',
    name: 'IQ4_XS',
    title: 'SmolLM-1.7B-Instruct IQ4_XS',
    url: hubFile('mradermacher/SmolLM-1.7B-Instruct-GGUF', 'SmolLM-1.7B-Instruct.IQ4_XS.gguf'),
    bytes: 0.948e9,
    note: '',
  },
];

// Models the local server offers (demo/serve.mjs writes /models/index.json). A static host
// without that file simply has none.
export async function fetchLocalPresets(baseUrl) {
  let response;
  try {
    response = await fetch(new URL('models/index.json', baseUrl), { cache: 'no-cache' });
  } catch {
    return [];
  }
  if (!response.ok) return [];
  let body;
  try {
    body = await response.json();
  } catch {
    return [];
  }
  if (!body || !Array.isArray(body.models)) return [];
  return body.models
    .filter((m) => typeof m.url === 'string' && typeof m.label === 'string')
    .map((m) => ({
      id: `local:${m.name}`,
      group: 'On this machine',
      name: m.label,
      title: m.label,
      url: new URL(m.url, baseUrl).href,
      bytes: Number(m.bytes) || 0,
      note: '',
    }));
}
