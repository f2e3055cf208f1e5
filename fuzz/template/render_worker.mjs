// The fuzzer's rendering thread: renders each input it is sent with the package's renderChat
// under the given time budget and answers the outcome's name. Any error other than the two
// named ones is reported as a finding.
import { parentPort, workerData } from 'node:worker_threads';
import { renderChat } from '../../js/src/chat-template.js';
import { InvalidArgumentError, TemplateLimitError } from '../../js/src/errors.js';

parentPort.on('message', async ({ template, messages }) => {
  try {
    const text = await renderChat(template, messages, { limits: { timeMs: workerData.budgetMs } });
    parentPort.postMessage(typeof text === 'string' ? { outcome: 'rendered' } : { finding: `render returned ${typeof text}` });
  } catch (error) {
    if (error instanceof TemplateLimitError) parentPort.postMessage({ outcome: `limit:${error.limit}` });
    else if (error instanceof InvalidArgumentError) parentPort.postMessage({ outcome: 'template error' });
    else parentPort.postMessage({ finding: `unnamed error ${error?.name}: ${error?.message}` });
  }
});
