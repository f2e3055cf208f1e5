// `smollm-wasm serve -m FILE [--host 127.0.0.1] [--port 8080]`: an OpenAI-compatible HTTP
// endpoint (/v1/models, /v1/chat/completions, /v1/completions; `stream: true` answers with
// server-sent events). Request bodies are bounded, concurrent requests wait their turn in the
// model's queue, and a client that disconnects stops its generation. Binds loopback unless
// told otherwise.
import { createServer } from 'node:http';
import { loadModel, number } from './model-options.js';

export const SERVE_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  'max-body': { type: 'string' },
  'max-queue': { type: 'string' },
};

class HttpFailure extends Error {
  constructor(status, message, type = 'invalid_request_error') {
    super(message);
    this.status = status;
    this.type = type;
  }
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      reject(new HttpFailure(413, `request body of ${declared} bytes exceeds the limit of ${limit}`));
      return;
    }
    const parts = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpFailure(413, `request body exceeds the limit of ${limit} bytes`));
        req.destroy();
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(parts).toString('utf8') || '{}'));
      } catch (error) {
        reject(new HttpFailure(400, `the body is not valid JSON: ${error.message}`));
      }
    });
    req.on('error', reject);
  });
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res, error) {
  const status = error.status ?? (['InvalidArgumentError'].includes(error.name) ? 400 : 500);
  const type = error.type ?? (status === 400 ? 'invalid_request_error' : 'server_error');
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, status, { error: { message: error.message, type, code: error.code ?? null } });
}

function startSse(res) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  return {
    send: (data) => res.write(`data: ${JSON.stringify(data)}\n\n`),
    end: () => {
      res.write('data: [DONE]\n\n');
      res.end();
    },
  };
}

// OpenAI request fields -> chat.completions.create params of the package.
function chatParams(body, signal) {
  if (!Array.isArray(body.messages)) throw new HttpFailure(400, '`messages` must be an array');
  const messages = body.messages.map((m, i) => {
    const content = Array.isArray(m?.content)
      ? m.content.filter((p) => p?.type === 'text').map((p) => p.text).join('')
      : m?.content;
    if (typeof m?.role !== 'string' || typeof content !== 'string') {
      throw new HttpFailure(400, `messages[${i}] needs a string role and text content`);
    }
    return { role: m.role, content };
  });
  return {
    messages,
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    temperature: body.temperature ?? undefined,
    top_p: body.top_p ?? undefined,
    top_k: body.top_k ?? undefined,
    min_p: body.min_p ?? undefined,
    presence_penalty: body.presence_penalty ?? undefined,
    frequency_penalty: body.frequency_penalty ?? undefined,
    repeat_penalty: body.repeat_penalty ?? undefined,
    stop: body.stop ?? undefined,
    seed: body.seed ?? undefined,
    logit_bias: body.logit_bias ?? undefined,
    signal,
  };
}

function generationOptions(body, signal) {
  return {
    maxTokens: body.max_tokens ?? undefined,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    topK: body.top_k ?? undefined,
    minP: body.min_p ?? undefined,
    presencePenalty: body.presence_penalty ?? undefined,
    frequencyPenalty: body.frequency_penalty ?? undefined,
    repeatPenalty: body.repeat_penalty ?? undefined,
    stop: body.stop ?? undefined,
    seed: body.seed ?? undefined,
    signal,
  };
}

export function createOpenAiServer(llm, { modelId, maxBody = 1 << 20, maxQueue = 16 } = {}) {
  let waiting = 0;
  const created = Math.floor(Date.now() / 1000);

  async function chatCompletions(body, res, signal) {
    const params = chatParams(body, signal);
    if (!body.stream) {
      const completion = await llm.chat.completions.create(params);
      sendJson(res, 200, { ...completion, model: modelId });
      return;
    }
    const stream = await llm.chat.completions.create({ ...params, stream: true });
    let sse = null;
    for await (const chunk of stream) {
      sse ??= startSse(res);
      sse.send({ ...chunk, model: modelId });
    }
    sse?.end();
  }

  async function completions(body, res, signal) {
    const prompt = Array.isArray(body.prompt) ? body.prompt.join('') : body.prompt;
    if (typeof prompt !== 'string') throw new HttpFailure(400, '`prompt` must be a string');
    const id = `cmpl-${Math.random().toString(36).slice(2, 12)}`;
    const stamp = Math.floor(Date.now() / 1000);
    const object = (text, finishReason, usage) => ({
      id, object: 'text_completion', created: stamp, model: modelId,
      choices: [{ index: 0, text, finish_reason: finishReason, logprobs: null }], ...(usage ? { usage } : {}),
    });
    const usageOf = (s) => ({
      prompt_tokens: s?.promptTokens ?? 0, completion_tokens: s?.completionTokens ?? 0,
      total_tokens: (s?.promptTokens ?? 0) + (s?.completionTokens ?? 0),
    });
    let text = '';
    let sse = null;
    try {
      for await (const piece of llm.generate(prompt, generationOptions(body, signal))) {
        if (body.stream) {
          sse ??= startSse(res);
          if (piece.text) sse.send(object(piece.text, null));
        } else {
          text += piece.text;
        }
      }
    } catch (error) {
      if (error?.name !== 'AbortError') throw error;
    }
    const stats = llm.stats;
    if (body.stream) {
      sse ??= startSse(res);
      sse.send(object('', stats?.finishReason ?? 'abort', usageOf(stats)));
      sse.end();
    } else {
      sendJson(res, 200, object(text, stats?.finishReason ?? 'abort', usageOf(stats)));
    }
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      sendJson(res, 200, { object: 'list', data: [{ id: modelId, object: 'model', created, owned_by: 'smollm-wasm' }] });
      return;
    }
    const route = { '/v1/chat/completions': chatCompletions, '/v1/completions': completions }[url.pathname];
    if (!route) throw new HttpFailure(404, `no route ${req.method} ${url.pathname}`, 'not_found_error');
    if (req.method !== 'POST') throw new HttpFailure(405, `${url.pathname} expects POST`);
    const body = await readBody(req, maxBody);
    if (waiting >= maxQueue) throw new HttpFailure(429, `${waiting} requests are already waiting: retry later`, 'rate_limit_error');
    // A client that goes away stops its generation (or takes it out of the queue).
    const controller = new AbortController();
    res.on('close', () => { if (!res.writableFinished) controller.abort(); });
    waiting += 1;
    try {
      await route(body, res, controller.signal);
    } finally {
      waiting -= 1;
    }
  }

  return createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (error?.name === 'AbortError') {
        res.destroy();
        return;
      }
      sendError(res, error);
    });
  });
}

export async function serve(values) {
  const host = values.host ?? '127.0.0.1';
  const port = number(values, 'port', { integer: true, min: 0 }) ?? 8080;
  const llm = await loadModel(values);
  const modelId = String(values.model).split('/').pop().replace(/\.gguf$/, '');
  const server = createOpenAiServer(llm, {
    modelId,
    maxBody: number(values, 'max-body', { integer: true, min: 1024 }) ?? 1 << 20,
    maxQueue: number(values, 'max-queue', { integer: true, min: 1 }) ?? 16,
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  process.stderr.write(`serving ${modelId} on http://${address.address}:${address.port}/v1 (${llm.info.build}, ${llm.info.threads} thread(s))\n`);
  const stop = async () => {
    server.close();
    await llm.unload();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { keepRunning: true };
}
