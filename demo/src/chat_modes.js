// The composer's mode switch: Chat (plain answers), JSON (an event extracted as JSON through
// a schema, json_mode.js) and Tools (the model calls the page's functions, page_tools.js and
// tool_loop.js). Each mode has its own hint under the switch and its own placeholder.
import { TOOL_NAMES } from './page_tools.js';

export const MODES = Object.freeze({
  chat: { placeholder: 'Message SmolLM…', hint: '' },
  json: {
    placeholder: 'Describe an event, e.g. "Lunch with Ada and Alan at the Ritz next Friday"',
    hint: 'JSON: the answer is the event in your message (title, date, place, people) as JSON, ' +
      'held to a schema while it is written.',
  },
  tools: {
    placeholder: 'Ask something a tool can answer, e.g. "What time is it in Tokyo?"',
    hint: `Tools: the model first calls one of this page's functions (${TOOL_NAMES.join(', ')}), ` +
      'which run here in the tab; their results go back to it for its answer.',
  },
});

export class ModePicker {
  constructor({ group, hint, onChange }) {
    this.group = group;
    this.hint = hint;
    group.addEventListener('change', () => {
      this.showHint();
      onChange?.(this.mode);
    });
    this.showHint();
  }

  get mode() {
    const value = this.group.querySelector('input[name="mode"]:checked')?.value;
    return Object.hasOwn(MODES, value) ? value : 'chat';
  }

  placeholder() {
    return MODES[this.mode].placeholder;
  }

  showHint() {
    this.hint.textContent = MODES[this.mode].hint;
    this.hint.hidden = !MODES[this.mode].hint;
  }
}
