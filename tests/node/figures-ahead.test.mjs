// The figures asked for ahead (web/page/figures-ahead.js) and which views they are of
// (figure-controller.js: neighbours): a reply's decoding does not hold the page's queue of worker
// jobs, and the views along the last change come first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FiguresAhead } from '../../web/page/figures-ahead.js';
import { neighbours } from '../../web/page/figure-controller.js';

// The page's queue of worker jobs: one at a time, in order (app.js's exclusive).
function queue() {
  let last = Promise.resolve();
  return (/** @type {() => Promise<void>} */ job) => (last = last.then(job, job));
}

test('a reply asked for ahead is decoded after the job queued behind it has asked the worker', async () => {
  const events = [];
  const exclusive = queue();
  const ahead = new FiguresAhead(
    async (request) => {
      events.push(`ask ${request.sampleIndex}`);
      return { sampleIndex: request.sampleIndex };
    },
    (reply) => {
      events.push(`decode ${reply.sampleIndex}`);
      return Object.assign({ decoded: true }, reply);
    },
    exclusive,
  );
  const dataset = {};
  ahead.prepare(dataset, [{ sampleIndex: 1 }], () => true);
  const change = exclusive(async () => {
    events.push('change asks the worker');
  });
  await change;
  const reply = await ahead.take(dataset, { sampleIndex: 1 });
  assert.deepEqual(events, ['ask 1', 'change asks the worker', 'decode 1']);
  assert.deepEqual(reply, { decoded: true, sampleIndex: 1 });
  assert.equal(ahead.pending, 0);
  assert.equal(ahead.used, 1);
});

test('a reply whose decoding fails is dropped, and the page asks again', async () => {
  const ahead = new FiguresAhead(
    async () => ({ json: '{' }),
    (reply) => JSON.parse(reply.json),
    queue(),
  );
  const dataset = {};
  ahead.prepare(dataset, [{ sampleIndex: 2 }], () => true);
  await new Promise((settled) => setTimeout(settled, 10));
  assert.equal(ahead.take(dataset, { sampleIndex: 2 }), null);
});

test('the views next to the one shown: those along the last change first', () => {
  const dataset = { info: { samples: 10 }, nComponents: 60 };
  const params = { sampleIndex: 4, nComponents: 50, step: 1 };
  const views = (/** @type {any} */ before) =>
    neighbours(dataset, params, before).map((/** @type {any} */ p) => `${p.sampleIndex}/${p.nComponents}`);
  const samplesFirst = ['5/50', '3/50', '4/49', '4/51'];
  assert.deepEqual(views(null), samplesFirst);
  assert.deepEqual(views({ sampleIndex: 3, nComponents: 50 }), samplesFirst);
  assert.deepEqual(views({ sampleIndex: 4, nComponents: 51 }), ['4/49', '4/51', '5/50', '3/50']);
  // within the samples and the components fitted
  const edge = neighbours({ info: { samples: 5 }, nComponents: 50 }, { sampleIndex: 4, nComponents: 50, step: 1 }, null);
  assert.deepEqual(
    edge.map((/** @type {any} */ p) => `${p.sampleIndex}/${p.nComponents}`),
    ['3/50', '4/49'],
  );
});
