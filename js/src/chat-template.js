// Chat prompts: the GGUF's tokenizer.chat_template rendered with a real Jinja engine
// (@huggingface/jinja, as transformers.js does), so any model's template works, including
// SmolLM2's default system prompt. Files without a template get ChatML.
import { Template } from '@huggingface/jinja';
import { InvalidArgumentError } from './errors.js';

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const compiled = new Map();

function compile(source) {
  let template = compiled.get(source);
  if (!template) {
    try {
      template = new Template(source);
    } catch (error) {
      throw new InvalidArgumentError(`the model's chat template does not parse (${error.message}): ` +
        'pass the prompt to generate() yourself');
    }
    compiled.set(source, template);
  }
  return template;
}

export function validateMessages(messages) {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidArgumentError('messages must be a non-empty array of {role, content}');
  }
  for (const [i, m] of messages.entries()) {
    if (!m || typeof m.role !== 'string' || typeof m.content !== 'string') {
      throw new InvalidArgumentError(`messages[${i}] must be {role: string, content: string}`);
    }
  }
}

/**
 * @param {string|null} template tokenizer.chat_template, or null for ChatML
 * @param {{role: string, content: string}[]} messages
 * @param {{addGenerationPrompt?: boolean, bosToken?: string|null, eosToken?: string|null}} options
 */
export function renderChat(template, messages, { addGenerationPrompt = true, bosToken = '', eosToken = '' } = {}) {
  validateMessages(messages);
  const compiledTemplate = compile(template ?? CHATML_TEMPLATE);
  try {
    return compiledTemplate.render({
      messages: messages.map(({ role, content }) => ({ role, content })),
      add_generation_prompt: addGenerationPrompt,
      bos_token: bosToken ?? '',
      eos_token: eosToken ?? '',
    });
  } catch (error) {
    throw new InvalidArgumentError(`the chat template failed on these messages: ${error.message}`);
  }
}
