// The demo page's side of its service worker (demo/src/sw_register.js): when it reloads
// itself. A page reloads once to become cross-origin isolated, and once to take a new release
// while untouched; never on a first visit's install of an isolated page, never after the
// visitor has started using it. Each case replays the events a browser delivers, in the order
// a browser may deliver them, to a fresh copy of the module over a fake
// navigator.serviceWorker. (tests/browser/demo runs the real worker in browsers, where the
// event order depends on timing.)
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';

const MODULE = new URL('../../../demo/src/sw_register.js', import.meta.url);
const GLOBALS = ['navigator', 'self', 'location', 'sessionStorage', 'addEventListener', 'crossOriginIsolated'];

class FakeWorker extends EventTarget {
  constructor(name) {
    super();
    this.name = name;
    this.state = 'installing';
    this.messages = [];
  }
  postMessage(message) { this.messages.push(message); }
  setState(state) {
    this.state = state;
    this.dispatchEvent(new Event('statechange'));
  }
}

class FakeRegistration extends EventTarget {
  installing = null;
  waiting = null;
  active = null;
}

class FakeContainer extends EventTarget {
  constructor(controller, registration) {
    super();
    this.controller = controller;
    this.registration = registration;
  }
  async register() { return this.registration; }
  // clients.claim() or skipWaiting() of a worker: the page's controller changes; the event
  // comes in a later task.
  takeControl(worker) {
    this.controller = worker;
  }
  announceControllerChange() {
    this.dispatchEvent(new Event('controllerchange'));
  }
}

let copy = 0;

// A page that loaded under `controller` (null: a first visit), isolated or not. Returns the
// module and what the test drives and reads.
async function openPage({ controller = null, active = controller, waiting = null, isolated = true, storage = new Map() } = {}) {
  const registration = new FakeRegistration();
  registration.active = active;
  registration.waiting = waiting;
  const container = new FakeContainer(controller, registration);
  const window = new EventTarget();
  const page = { reloads: 0, registration, container, window, storage };
  const values = {
    navigator: { serviceWorker: container },
    self: globalThis,
    crossOriginIsolated: isolated,
    location: { reload: () => { page.reloads++; } },
    sessionStorage: {
      getItem: (k) => storage.get(k) ?? null,
      setItem: (k, v) => storage.set(k, String(v)),
      removeItem: (k) => storage.delete(k),
    },
    addEventListener: window.addEventListener.bind(window),
  };
  for (const [name, value] of Object.entries(values)) {
    Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  const module = await import(`${MODULE.href}?copy=${++copy}`);
  page.result = await module.registerServiceWorker();
  page.module = module;
  page.touch = (type = 'pointerdown') => window.dispatchEvent(new Event(type));
  return page;
}

// A worker found by the browser: installing, then installed (waiting).
function install(page, worker) {
  const { registration } = page;
  registration.installing = worker;
  registration.dispatchEvent(new Event('updatefound'));
  registration.installing = null;
  registration.waiting = worker;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  for (const name of GLOBALS) delete globalThis[name];
});

describe('sw_register: when the demo page reloads itself', () => {
  test('a first visit to an isolated page never reloads, whatever order the worker\'s events come in', async () => {
    // WebKit, seen on a busy machine: the first worker took control (clients.claim) before the
    // page handled its 'installed' state, with `waiting` still naming it.
    const page = await openPage({ controller: null, isolated: true });
    const first = new FakeWorker('release-1');
    install(page, first);
    page.registration.active = first;
    page.container.takeControl(first);
    first.setState('installed');
    page.registration.waiting = null;
    first.setState('activated');
    page.container.announceControllerChange();
    await settle();
    assert.equal(page.reloads, 0, 'no reload on the first install');
    assert.deepEqual(first.messages, [], 'the first worker is not asked to skip waiting: it is no update');

    // The same with the events in the spec's order.
    const again = await openPage({ controller: null, isolated: true });
    const worker = new FakeWorker('release-1');
    install(again, worker);
    worker.setState('installed');
    again.registration.waiting = null;
    again.registration.active = worker;
    worker.setState('activated');
    again.container.takeControl(worker);
    again.container.announceControllerChange();
    await settle();
    assert.equal(again.reloads, 0);
    assert.deepEqual(worker.messages, []);
  });

  test('a new release found while the page is untouched takes over, with one reload', async () => {
    const old = new FakeWorker('release-1');
    old.state = 'activated';
    const page = await openPage({ controller: old, isolated: true });
    const next = new FakeWorker('release-2');
    install(page, next);
    next.setState('installed');
    assert.deepEqual(next.messages, [{ type: 'skip-waiting' }], 'the waiting release is asked to take over');
    assert.equal(page.reloads, 0, 'no reload before it has');
    page.registration.waiting = null;
    page.registration.active = next;
    page.container.takeControl(next);
    page.container.announceControllerChange();
    await settle();
    assert.equal(page.reloads, 1, 'one reload once the new release controls the page');
  });

  test('a release already waiting when the page opens takes over too', async () => {
    const old = new FakeWorker('release-1');
    const next = new FakeWorker('release-2');
    next.state = 'installed';
    const page = await openPage({ controller: old, waiting: next, isolated: true });
    assert.deepEqual(next.messages, [{ type: 'skip-waiting' }]);
    page.container.takeControl(next);
    page.container.announceControllerChange();
    assert.equal(page.reloads, 1);
  });

  test('a page the visitor has started using keeps its release until the next visit', async () => {
    for (const type of ['pointerdown', 'keydown', 'drop']) {
      const old = new FakeWorker('release-1');
      const page = await openPage({ controller: old, isolated: true });
      page.touch(type);
      const next = new FakeWorker('release-2');
      install(page, next);
      next.setState('installed');
      assert.deepEqual(next.messages, [], `after a ${type}, the new release waits`);
      page.container.announceControllerChange();
      assert.equal(page.reloads, 0, `after a ${type}, no reload`);
    }
  });

  test('a page that is not isolated reloads once when the worker takes control, unless in use', async () => {
    const storage = new Map();
    const page = await openPage({ controller: null, isolated: false, storage });
    assert.equal(page.module.willReloadForIsolation(), true);
    const worker = new FakeWorker('release-1');
    install(page, worker);
    worker.setState('installed');
    page.container.takeControl(worker);
    page.container.announceControllerChange();
    assert.equal(page.reloads, 1, 'one reload, so the worker\'s COOP/COEP headers apply');

    // The reloaded page is still not isolated (a browser without SharedArrayBuffer): no loop.
    const reloaded = await openPage({ controller: worker, isolated: false, storage });
    assert.equal(reloaded.reloads, 0);
    assert.equal(reloaded.module.willReloadForIsolation(), false);

    // In use before the worker took control: no reload, and the page does not promise one.
    const busy = await openPage({ controller: null, isolated: false });
    busy.touch('keydown');
    assert.equal(busy.module.willReloadForIsolation(), false);
    const other = new FakeWorker('release-1');
    install(busy, other);
    busy.container.takeControl(other);
    busy.container.announceControllerChange();
    assert.equal(busy.reloads, 0);
  });
});
