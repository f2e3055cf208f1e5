// Load progress arithmetic alone, on a clock the test moves: bytes over all parts, the rate
// of the current phase, restarts, and at most one event per 100 ms except at a part's end
// and a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { EMIT_INTERVAL_MS, ProgressTracker } from '../../../js/src/loader/progress.js';

function tracker(sizes) {
  const clock = { ms: 1000 };
  const events = [];
  const entries = sizes.map((size) => ({ source: { size } }));
  const progress = new ProgressTracker((e) => events.push(e), entries, () => clock.ms);
  return { progress, events, clock, entries };
}

// Part 0 (of `kind`) read whole in `ms`, then part 1 (of `nextKind`) started.
function firstPartRead({ progress, clock }, kind, ms, bytes, nextKind) {
  progress.startPart(0, kind);
  clock.ms += ms;
  progress.advance(bytes);
  progress.partDone(bytes);
  progress.startPart(1, nextKind);
}

test('loaded and total cover every part; the rate is the phase\'s bytes over its time', () => {
  const { progress, events, clock } = tracker([3000, 1000]);
  progress.startPart(0, 'download');
  clock.ms += 500;
  progress.advance(1000);
  assert.deepEqual(events.at(-1), { phase: 'download', loaded: 1000, total: 4000, bytesPerSecond: 2000 });
  clock.ms += 500;
  progress.advance(2000);
  assert.deepEqual(events.at(-1), { phase: 'download', loaded: 3000, total: 4000, bytesPerSecond: 3000 });
  progress.partDone(3000);
  assert.deepEqual(events.at(-1), { phase: 'download', loaded: 3000, total: 4000, bytesPerSecond: 3000 });
  // The next part is downloaded too: the phase (and its rate) goes on.
  progress.startPart(1, 'download');
  clock.ms += 1000;
  progress.advance(1000);
  assert.deepEqual(events.at(-1), { phase: 'download', loaded: 4000, total: 4000, bytesPerSecond: 2000 });
});

test('a part of another kind starts a new phase, whose rate is its own', () => {
  const t = tracker([1000, 1000]);
  const { progress, events, clock } = t;
  firstPartRead(t, 'cache', 100, 1000, 'download');
  clock.ms += 2000;
  progress.advance(1000);
  assert.deepEqual(events.at(-1), { phase: 'download', loaded: 2000, total: 2000, bytesPerSecond: 500 });
});

test('events come at most every 100 ms, except a part\'s end and a restart', () => {
  const { progress, events, clock } = tracker([10000]);
  progress.startPart(0, 'download');
  clock.ms += EMIT_INTERVAL_MS;
  progress.advance(10);
  assert.equal(events.length, 1);
  for (let i = 0; i < 9; ++i) {
    clock.ms += 10;
    progress.advance(10);
  }
  assert.equal(events.length, 1, 'nine advances within 100 ms of the last event report nothing');
  clock.ms += 10;
  progress.advance(10);
  assert.equal(events.length, 2, 'the advance 100 ms after the last event reports');
  assert.equal(events[1].loaded, 110);
  progress.restart('why');
  progress.partDone(0);
  assert.equal(events.length, 4, 'a restart and a part\'s end always report');
});

test('a restart drops the part\'s bytes from loaded and from the rate, and says why from then on', () => {
  const t = tracker([1000, 2000]);
  const { progress, events, clock } = t;
  firstPartRead(t, 'download', 1000, 1000, 'download');
  progress.advance(1500);
  progress.restart('the server does not support HTTP Range requests');
  assert.deepEqual(events.at(-1), {
    phase: 'download', loaded: 1000, total: 3000, bytesPerSecond: 1000,
    restarted: 'the server does not support HTTP Range requests',
  });
  clock.ms += 1000;
  progress.advance(2000);
  assert.deepEqual(events.at(-1), {
    phase: 'download', loaded: 3000, total: 3000, bytesPerSecond: 1500,
    restarted: 'the server does not support HTTP Range requests',
  });
});

test('total follows sizes learned during the load, and is never below loaded', () => {
  const { progress, events, clock, entries } = tracker([null]);
  progress.startPart(0, 'download');
  clock.ms += 200;
  progress.advance(700);
  assert.equal(events.at(-1).total, 700, 'an unknown size: total is what arrived');
  entries[0].source.size = 5000;   // the first response's Content-Length
  clock.ms += 200;
  progress.advance(300);
  assert.equal(events.at(-1).total, 5000);
});

test('no onProgress: nothing is reported and nothing fails', () => {
  const progress = new ProgressTracker(undefined, [{ source: { size: 10 } }], () => 0);
  progress.startPart(0, 'cache');
  progress.advance(10);
  progress.restart('x');
  progress.partDone(10);
});
