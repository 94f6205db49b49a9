'use strict';
// The two-worker fit's surface (web/worker/requests.js): Explorer.rows, Module.Accumulator,
// Explorer.accumulateRows + fitWith give the model of a plain fit, and bad input is refused
// with the core's message. No embind object is left behind.

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { npy } = require('./npy-bytes');
const { startModule } = require('./module');

let M;

before(async () => {
  M = await startModule();
});

// A uint8 .npy (n, h, w) of seeded smooth patterns plus noise.
function npyBytes(n, h, w, seed) {
  let state = seed >>> 0;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const data = new Uint8Array(n * h * w);
  for (let s = 0; s < n; s++) {
    const a = random() * 4 - 2;
    const b = random() * 4 - 2;
    for (let p = 0; p < h * w; p++) {
      const v = 128 + 40 * a * Math.cos(p / 3) + 30 * b * Math.sin(p / 5) + 20 * (random() - 0.5);
      data[s * h * w + p] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return npy('|u1', [n, h, w], data);
}

function loaded(bytes) {
  const ex = new M.Explorer();
  ex.beginFile(0, 0);
  ex.feed(bytes);
  ex.finishFile();
  return ex;
}

test('a fit split over two accumulators equals the plain fit', () => {
  const bytes = npyBytes(3000, 6, 6, 7);
  const plain = loaded(bytes);
  const split = loaded(bytes);
  const accumulator = new M.Accumulator();
  try {
    plain.fit(0);
    const rows = split.rows(1200, 1800);
    assert.ok(rows instanceof Float32Array);
    assert.equal(rows.length, 1800 * 36);
    accumulator.add(rows.subarray(0, 700 * 36), 36); // in pieces, as any chunking
    accumulator.add(rows.subarray(700 * 36), 36);
    const state = accumulator.state();
    assert.equal(state.count, 1800);
    assert.equal(state.scatter.length, 36 * 36);
    split.accumulateRows(0, 1200);
    split.fitWith(0, state);
    assert.equal(split.fitCount(), 1);
    const a = plain.model();
    const b = split.model();
    assert.equal(b.nComponents, 36);
    for (let i = 0; i < 36; i++) {
      assert.ok(Math.abs(a.explainedVariance[i] - b.explainedVariance[i]) <= 1e-9 * a.explainedVariance[0]);
      assert.ok(Math.abs(a.mean[i] - b.mean[i]) <= 1e-9 * 255);
    }
    for (let i = 0; i < 5 * 36; i++) assert.ok(Math.abs(a.components[i] - b.components[i]) <= 1e-7);
  } finally {
    plain.delete();
    split.delete();
    accumulator.delete();
  }
  assert.equal(M.liveExplorerCount(), 0);
});

test('a split fit of K components keeps every eigenvalue, and more components come from it', () => {
  // D = 64: K = 6 is below a quarter of D, so its vectors come by inverse iteration.
  const bytes = npyBytes(2000, 8, 8, 5);
  const plain = loaded(bytes);
  const split = loaded(bytes);
  const fresh = loaded(bytes);
  const accumulator = new M.Accumulator();
  try {
    plain.fit(0);
    accumulator.add(split.rows(900, 1100), 64);
    split.accumulateRows(0, 900);
    split.fitWith(6, accumulator.state());
    const all = plain.model();
    const variance = split.variance();
    assert.equal(variance.nComponents, 6);
    assert.equal(variance.spectrum.length, 64, 'every eigenvalue, for the variance chart');
    for (let i = 0; i < 64; i++) assert.ok(Math.abs(variance.spectrum[i] - all.explainedVariance[i]) <= 1e-9 * all.explainedVariance[0]);
    const near = (model, k) => {
      assert.equal(model.nComponents, k);
      for (let i = 0; i < k * 64; i++) assert.ok(Math.abs(model.components[i] - all.components[i]) <= 1e-7, `component value ${i}`);
    };
    near(split.model(), 6);
    assert.equal(split.extendFit(20), true);
    near(split.model(), 20);
    assert.equal(split.fitReport().solver, 'exact');
    assert.equal(split.extendFit(64), true);
    near(split.model(), 64);
    assert.throws(() => split.extendFit(65), /cannot fit 65 components: this data has at most 64/);
    assert.equal(fresh.extendFit(10), false, 'no exact fit was made');
    fresh.fitForView(10); // the whole fit of one worker: exact, every component
    fresh.beginFile(0, 0);
    fresh.feed(bytes);
    fresh.finishFile();
    assert.equal(fresh.extendFit(10), false, 'a new file drops the decomposition');
  } finally {
    plain.delete();
    split.delete();
    fresh.delete();
    accumulator.delete();
  }
  assert.equal(M.liveExplorerCount(), 0);
});

test('split-fit calls refuse inconsistent input with the core message', () => {
  const ex = loaded(npyBytes(100, 4, 4, 3));
  const accumulator = new M.Accumulator();
  try {
    assert.throws(() => ex.rows(90, 20), /rows 90 to 110 are not a range of the 100 samples/);
    assert.throws(() => ex.fitWith(0, {}), /no partial covariance: call accumulateRows first/);
    assert.throws(() => accumulator.add(new Float32Array(10), 4), /10 values are not whole rows of 4/);
    assert.throws(() => accumulator.add([1, 2], 2), /rows must be a Float32Array/);
    accumulator.add(ex.rows(50, 50), 16);
    ex.accumulateRows(0, 40); // 10 rows missing
    assert.throws(() => ex.fitWith(0, accumulator.state()), /the covariance holds 90 rows of 16 values; the images are 100 rows of 16/);
    ex.accumulateRows(0, 50);
    const state = accumulator.state();
    state.scatter = new Float64Array(3);
    assert.throws(() => ex.fitWith(0, state), /scatter must be a Float64Array of 256 values/);
  } finally {
    ex.delete();
    accumulator.delete();
  }
});
