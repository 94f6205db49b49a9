// The built-in sample's PCA, computed at build time (scripts/default-basis.mjs, in
// dist/default-dataset.js): a first visit loads it with the sample (LOAD's `fitted`) instead of
// fitting. It must give what the page's own fit of the sample gives: the same components up to
// sign, the same variance shares and the same figure's pictures within float tolerance. And the
// worker must hold it as a fit: no `basis` in the load's info, FIT answers without fitting for the
// K it holds, and fits for a larger one. And the first visit's replies made at build time
// (dist/first-visit.js), from which the page draws its first figure without a worker, must be what
// the worker answers now, read back as the page reads them (web/page/first-visit.js).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { createWorkerHandler } from '../../web/worker/worker.js';
import { Kind, Request } from '../../web/shared/protocol.js';
import { startModule, ROOT } from './module.js';
import { firstVisitReplies } from '../../web/page/first-visit.js';
import { DEFAULTS } from '../../web/page/state.js';

const K = 50; // the page's default

let dataset; // self.PCA_DEFAULT_DATASET, as dist/default-dataset.js defines it

const bytesOf = (base64) => new Uint8Array(Buffer.from(base64, 'base64'));
const fitted = () => ({
  fit: dataset.basis.fit,
  arrays: Object.fromEntries(Object.entries(dataset.basis.arrays).map(([name, b64]) => [name, bytesOf(b64)])),
});

// A worker on a fake port (as tests/node/worker.test.mjs), alone: requests answered in order.
function startWorker() {
  const replies = [];
  const port = { onmessage: null, postMessage: (message) => replies.push(message) };
  createWorkerHandler(port, (options) => startModule(options));
  let ids = 0;
  return async (type, payload = {}) => {
    const id = ++ids;
    port.onmessage({ data: { ...payload, id, type } });
    for (;;) {
      const last = replies.find((r) => r.id === id && r.kind !== Kind.PROGRESS);
      if (last) {
        assert.equal(last.kind, Kind.RESULT, last.message);
        return last;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
}

// LOAD (with `fitted` or not), FIT K, SUMMARY of every component, FIGURE of sample 0 up to K.
async function firstVisit(withFitted) {
  const ask = startWorker();
  const loaded = await ask(Request.LOAD, { source: { bytes: bytesOf(dataset.base64) }, fitted: withFitted ? fitted() : undefined });
  const fit = await ask(Request.FIT, { nComponents: K });
  const summary = (await ask(Request.SUMMARY, { gallery: K })).result;
  const params = { sampleIndex: 0, nComponents: K, step: 1, frameDurationMs: 100, parts: true };
  const figure = await ask(Request.FIGURE, params);
  // A fit here finds its K pairs first; the page asks for every eigenvalue with the figure.
  if (summary.spectrumLater) Object.assign(summary, (await ask(Request.SPECTRUM)).result, { spectrumLater: false });
  return { ask, info: loaded.result.info, fit, summary, figure };
}

// Records where a and b differ: structure and strings exactly, numbers within 1e-6 relative.
function sameWithin(a, b, where, out) {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Math.abs(a - b) > 1e-6 * Math.max(1, Math.abs(a), Math.abs(b))) out.push(`${where}: ${a} vs ${b}`);
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) sameWithin(a[key], b[key], `${where}.${key}`, out);
  } else if (a !== b) {
    out.push(`${where}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
}

before(() => {
  const file = path.join(ROOT, 'dist', 'default-dataset.js');
  assert.ok(fs.existsSync(file), 'dist/default-dataset.js is missing: run scripts/build web first');
  const context = { self: {} };
  vm.runInNewContext(fs.readFileSync(file, 'utf8'), context);
  dataset = context.self.PCA_DEFAULT_DATASET;
});

test('the built-in basis is the fit the page makes of the sample: components up to sign, shares, pictures', async () => {
  const [made, fittedHere] = await Promise.all([firstVisit(true), firstVisit(false)]);
  assert.equal(made.fit.fitCount, 0, 'the first visit fits nothing');
  assert.equal(fittedHere.fit.fitCount, 1);
  assert.deepEqual(
    { solver: made.fit.result.solver, passes: made.fit.result.passes, nComponents: made.fit.result.nComponents },
    { solver: fittedHere.fit.result.solver, passes: fittedHere.fit.result.passes, nComponents: fittedHere.fit.result.nComponents },
    'the same solver, passes and K as the page would fit',
  );
  const d = made.info.height * made.info.width;
  const a = made.summary.components;
  const b = fittedHere.summary.components;
  assert.equal(a.length, K * d);
  for (let i = 0; i < K; i++) {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += a[i * d + j] * b[i * d + j];
    const sign = Math.sign(dot);
    let worst = 0;
    for (let j = 0; j < d; j++) worst = Math.max(worst, Math.abs(a[i * d + j] - sign * b[i * d + j]));
    assert.ok(worst < 1e-4, `component ${i} differs by ${worst} (up to sign)`);
  }
  for (let i = 0; i < K; i++) {
    const diff = Math.abs(made.summary.explainedVarianceRatio[i] - fittedHere.summary.explainedVarianceRatio[i]);
    assert.ok(diff < 1e-6, `variance share ${i} differs by ${diff}`);
  }
  assert.deepEqual(made.summary.shares, fittedHere.summary.shares);
  const differences = [];
  sameWithin(JSON.parse(made.figure.result.json), JSON.parse(fittedHere.figure.result.json), 'figure', differences);
  assert.deepEqual(differences.slice(0, 5), [], "the figure's JSON (without its pictures) is the same, numbers within 1e-6 relative");
  const pa = made.figure.result.images;
  const pb = fittedHere.figure.result.images;
  assert.equal(pa.length, pb.length);
  let worst = 0;
  for (let i = 0; i < pa.length; i++) worst = Math.max(worst, Math.abs(pa[i] - pb[i]));
  assert.ok(worst < 1e-2, `the pictures differ by ${worst} (pixel values 0..255)`); // float32 storage of the basis
});

test('a model made before is held as a fit: no basis in the info, FIT fits only for a larger K', async () => {
  const { ask, info, fit } = await firstVisit(true);
  assert.equal(info.basis, undefined, 'not a basis file');
  assert.equal(fit.result.precomputed, true);
  const again = await ask(Request.FIT, { nComponents: 20 });
  assert.deepEqual([again.result.nComponents, again.fitCount], [K, 0], 'a smaller K: the one made before');
  const larger = await ask(Request.FIT, { nComponents: K + 10 });
  assert.deepEqual([larger.result.nComponents, larger.fitCount, larger.result.precomputed], [K + 10, 1, undefined], 'a larger K is fitted');
});

test('a model made before is held with its stack, whatever the stream threshold (a lowered one, as the tests set)', async () => {
  const ask = startWorker();
  const stream = { aboveBytes: 1024 }; // far below the sample's 784 kB: any other file would be streamed
  const loaded = await ask(Request.LOAD, { source: { bytes: bytesOf(dataset.base64) }, fitted: fitted(), stream });
  assert.equal(loaded.result.info.streamed, undefined, 'the stack is held, not streamed');
  const fit = await ask(Request.FIT, { nComponents: K });
  assert.deepEqual([fit.result.precomputed, fit.fitCount], [true, 0], 'the model made before, no fit');
  const figure = await ask(Request.FIGURE, { sampleIndex: 3, nComponents: K, step: 1, frameDurationMs: 100, parts: true });
  assert.ok(figure.result.images.length > 0, 'its figure is drawn');
});

test("the first visit's replies made at build time are the worker's for the page's default view", async () => {
  const context = { self: {} };
  vm.runInNewContext(fs.readFileSync(path.join(ROOT, 'dist', 'first-visit.js'), 'utf8'), context);
  const view = { sampleIndex: 0, nComponents: K, step: DEFAULTS.step, frameDurationMs: DEFAULTS.frameDurationMs, ...DEFAULTS.colour };
  globalThis.PCA_FIRST_VISIT = JSON.parse(JSON.stringify(context.self.PCA_FIRST_VISIT)); // this realm's objects, as in a page
  let made;
  try {
    assert.equal(
      firstVisitReplies(() => ({ ...view, sampleIndex: 1 })),
      null,
      "another sample's figure is the worker's to make",
    );
    assert.equal(
      firstVisitReplies(() => ({ ...view, colormap: 'viridis' })),
      null,
      'so are other colours',
    );
    made = firstVisitReplies((raw) => ({ ...view, nComponents: Math.min(K, raw.summary.nComponents, raw.load.info.samples) }));
  } finally {
    delete globalThis.PCA_FIRST_VISIT;
  }
  assert.ok(made, 'the default view is drawn from the replies made at build time');
  assert.equal(made.name, 'fashion-mnist-sample.npy');
  const ask = startWorker();
  const loaded = await ask(Request.LOAD, { source: { bytes: bytesOf(dataset.base64) }, fitted: fitted() });
  assert.deepEqual({ info: made.info }, loaded.result);
  assert.deepEqual(made.fitted, (await ask(Request.FIT, { nComponents: K })).result);
  const summary = (await ask(Request.SUMMARY, { gallery: DEFAULTS.gallery })).result;
  assert.ok(
    made.summary.mean instanceof Float32Array && made.summary.explainedVarianceRatio instanceof Float64Array,
    'typed arrays read back',
  );
  assert.deepEqual(made.summary, summary);
  const figure = (await ask(Request.FIGURE, { parts: true, ...view })).result;
  assert.deepEqual(made.params, view);
  assert.equal(made.parts.json, figure.json);
  assert.deepEqual(made.parts.images, figure.images, 'the pictures, bit for bit');
});
