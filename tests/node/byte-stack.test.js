'use strict';
// An 8-bit file in the module is held as its bytes: the wasm heap grows by about the file's size
// (it grew by four times that when the stack was float32), heldRows hands the other worker the
// bytes, and the helper's kernels (Accumulator, RowsShare, rowDistortionsOf) give from them what
// they give from the same rows as float32, bit for bit.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { npy } = require('./npy-bytes');
const { startModule } = require('./module');

const CHUNK = 4 << 20; // as the page feeds a file

// Seeded smooth patterns plus noise, whole numbers in [lo, lo + 255].
function pixels(n, d, lo, seed) {
  let state = seed >>> 0;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const out = new Int16Array(n * d);
  for (let s = 0; s < n; s++) {
    const a = random() * 4 - 2;
    const b = random() * 4 - 2;
    for (let p = 0; p < d; p++) {
      const v = 128 + 40 * a * Math.cos(p / 3) + 30 * b * Math.sin(p / 5) + 20 * (random() - 0.5);
      out[s * d + p] = lo + Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return out;
}

function load(M, bytes) {
  const ex = new M.Explorer();
  ex.beginFile(0, 0);
  ex.expectFileSize(bytes.byteLength);
  for (let at = 0; at < bytes.byteLength; at += CHUNK) ex.feed(bytes.subarray(at, at + CHUNK));
  ex.finishFile();
  return ex;
}

test('a uint8 stack takes about its bytes of the wasm heap, not four times them', async () => {
  const M = await startModule(); // a fresh module: its heap only grows, and nothing else is in it
  const n = 16384;
  const side = 64;
  const data = new Uint8Array(n * side * side);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  const file = npy('|u1', [n, side, side], data);
  const before = M.HEAPU8.length;
  const ex = load(M, file);
  try {
    const grown = M.HEAPU8.length - before;
    // float32 rows alone would be 4 × 64 MiB; the bytes are 64 MiB, the reader's buffers a few MiB.
    assert.ok(grown < 1.5 * data.byteLength, `the heap grew by ${grown} bytes for a ${data.byteLength}-byte stack`);
    assert.equal(ex.info().samples, n);
    const some = ex.heldRows(n - 3, 3);
    assert.ok(some instanceof Uint8Array);
    assert.deepEqual(some, data.subarray((n - 3) * side * side));
    assert.deepEqual(ex.image(5), Float32Array.from(data.subarray(5 * side * side, 6 * side * side)));
  } finally {
    ex.delete();
  }
});

test('heldRows keeps the file precision, and the helper kernels give the float32 answers', async () => {
  const M = await startModule();
  const n = 400;
  const h = 6;
  const w = 7;
  const d = h * w;
  for (const [descr, lo, Held] of [
    ['|u1', 0, Uint8Array],
    ['|i1', -128, Int8Array],
  ]) {
    const values = pixels(n, d, lo, 11);
    const bytes = load(M, npy(descr, [n, h, w], Held.from(values)));
    const floats = load(M, npy('<f4', [n, h, w], Float32Array.from(values)));
    const made = [bytes, floats];
    try {
      const held = bytes.heldRows(150, n - 150);
      assert.ok(held instanceof Held, descr);
      assert.equal(held.length, (n - 150) * d);
      assert.ok(floats.heldRows(150, n - 150) instanceof Float32Array);
      assert.deepEqual(bytes.rows(150, n - 150), floats.rows(150, n - 150)); // rows(): float32 still
      assert.throws(() => bytes.heldRows(390, 11), /rows 390 to 401 are not a range of the 400 samples/);

      // The exact fit's helper: its accumulator over the bytes, merged into this worker's half.
      const fitWith = (ex, rows) => {
        const accumulator = new M.Accumulator();
        made.push(accumulator);
        accumulator.add(rows, d);
        ex.accumulateRows(0, 150);
        ex.fitWith(0, accumulator.state());
        return ex.model();
      };
      const a = fitWith(bytes, held);
      const b = fitWith(floats, floats.rows(150, n - 150));
      assert.deepEqual(a.explainedVariance, b.explainedVariance);
      assert.deepEqual(a.components, b.components);
      assert.deepEqual(a.mean, b.mean);

      // The top-K fit's helper share, and the helper's distortions.
      const shift = Float64Array.from(floats.rows(0, 1));
      const pass = { mean: a.mean, basis: a.components.slice(0, 5 * d), width: 5 };
      const fromBytes = new M.RowsShare(held, d, 150);
      const fromFloats = new M.RowsShare(floats.rows(150, n - 150), d, 150);
      made.push(fromBytes, fromFloats);
      assert.deepEqual(fromBytes.moments(shift), fromFloats.moments(shift));
      // gram writes its product over the basis it is given (one buffer goes back and forth)
      const passCopy = () => ({ ...pass, basis: Float64Array.from(pass.basis) });
      const [toBytes, toFloats] = [passCopy(), passCopy()];
      const product = fromBytes.gram(toBytes);
      assert.equal(product, toBytes.basis, 'the product is written over the basis it came with');
      assert.deepEqual(product, fromFloats.gram(toFloats));
      assert.notDeepEqual(product, pass.basis);
      const head = M.modelHead(floats, 4);
      assert.deepEqual(M.rowDistortionsOf({ rows: held, ...head }), M.rowDistortionsOf({ rows: floats.rows(150, n - 150), ...head }));
      assert.deepEqual(M.rowDistortions(bytes, 0, n, 4), M.rowDistortions(floats, 0, n, 4));
    } finally {
      for (const object of made) object.delete();
    }
  }
  assert.equal(M.liveExplorerCount(), 0);
});
