'use strict';
// RGB images (N, H, W, 3) in the shipped WebAssembly module: NumPy-written files (uint8 C order,
// float32 Fortran order) load as rows of H*W*3 values (r, g, b per pixel, NumPy's
// X.reshape(N, -1)), fit as scikit-learn fits those rows, rebuild exactly at full rank, and the
// figure shows RGB image traces that keep their axes in every frame.

const { test, before, after, describe } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { npy } = require('./npy-bytes');
const shared = require('./module');

let M;
let FIGURE_DIR;
let TEMP_ROOT;

before(async () => {
  M = await shared.startModule();
  let root = path.join(shared.ROOT, 'build', 'native', 'fixtures');
  if (!fs.existsSync(path.join(root, 'figure', 'rgb.json'))) {
    root = TEMP_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'pcarecon-colour-'));
    execFileSync('/usr/bin/python3', [path.join(shared.ROOT, 'tests', 'fixtures', 'make_fixtures.py'), root], {
      stdio: 'ignore',
    });
  }
  FIGURE_DIR = path.join(root, 'figure');
});

after(() => {
  if (TEMP_ROOT) fs.rmSync(TEMP_ROOT, { recursive: true, force: true });
  assert.equal(M.liveExplorerCount(), 0, 'every Explorer was deleted');
});

const CASES = ['rgb', 'rgb_fortran'];
const bytesOf = (name) => new Uint8Array(fs.readFileSync(path.join(FIGURE_DIR, `${name}.npy`)));
const reference = (name) => JSON.parse(fs.readFileSync(path.join(FIGURE_DIR, `${name}.json`), 'utf8'));

function load(ex, bytes, chunk) {
  ex.beginFile(0, 0);
  for (let i = 0; i < bytes.length; i += chunk) ex.feed(bytes.subarray(i, i + chunk));
  return ex.finishFile();
}

function maxAbsDiff(a, b) {
  assert.equal(a.length, b.length, 'lengths');
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

// An RGB image trace's z as H*W*3 numbers in row order, from either encoding.
function decodeRgb(z, h, w) {
  if (!Array.isArray(z)) {
    assert.equal(z.dtype, 'f4');
    assert.equal(z.shape, `${h},${w},3`);
    const buf = Buffer.from(z.bdata, 'base64');
    return Array.from(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length)));
  }
  assert.equal(z.length, h);
  for (const row of z) {
    assert.equal(row.length, w);
    for (const pixel of row) assert.equal(pixel.length, 3);
  }
  return z.flat(2);
}

describe('colour images in the wasm module', () => {
  test("npyInfo and finishFile report 3 channels; rows are NumPy's X.reshape(N, -1)", () => {
    for (const name of CASES) {
      const ref = reference(name);
      const header = M.npyInfo(bytesOf(name));
      assert.deepEqual([header.shape, header.height, header.width, header.channels], [[40, 6, 5, 3], 6, 5, 3], name);
      shared.withExplorer(M, (ex) => {
        const info = load(ex, bytesOf(name), 333); // chunks that split pixels and channels
        assert.equal(info.channels, 3, name);
        assert.equal(info.fortranOrder, name === 'rgb_fortran');
        assert.equal(ex.image(0).length, 6 * 5 * 3);
        // Column means of the rows as loaded = scikit-learn's mean_ of X.reshape(N, -1).
        const mean = new Float64Array(90);
        for (let i = 0; i < 40; i++) ex.image(i).forEach((v, j) => (mean[j] += v / 40));
        assert.ok(maxAbsDiff(mean, ref.mean) < 1e-3, `${name}: mean`);
      });
    }
  });

  test('the fit matches scikit-learn and the full-rank reconstruction is the original', () => {
    for (const name of CASES) {
      const ref = reference(name);
      shared.withExplorer(M, (ex) => {
        load(ex, bytesOf(name), 1 << 16);
        ex.fit(ref.n_components);
        const model = ex.model();
        assert.equal(model.dim, 90);
        assert.ok(maxAbsDiff(model.explainedVarianceRatio, ref.explained_variance_ratio) < 1e-5, `${name}: ratios`);
        ref.ks.forEach((k, j) => {
          assert.ok(maxAbsDiff(ex.reconstruction(ref.sample, k), ref.reconstructions[j]) < 1e-2, `${name}: k = ${k}`);
        });
        ex.fit(0);
        const K = ex.model().nComponents;
        assert.equal(K, 40);
        for (const sample of [0, 21, 39]) {
          const worst = maxAbsDiff(ex.reconstruction(sample, K), ex.image(sample));
          assert.ok(worst < 1e-3, `${name}: sample ${sample} at full rank differs by ${worst}`);
        }
      });
    }
  });

  test('the figure: RGB image traces on x/y, x2/y2, x3/y3 in base data and every frame', () => {
    shared.withExplorer(M, (ex) => {
      load(ex, bytesOf('rgb'), 1 << 16);
      ex.fit(0);
      for (const binaryArrays of [true, false]) {
        const fig = JSON.parse(ex.figureJson({ sampleIndex: 3, nComponents: 0, step: 8, frameDurationMs: 50, binaryArrays }));
        assert.deepEqual(
          fig.data.map((t) => [t.type, t.xaxis, t.yaxis]),
          [
            ['image', 'x', 'y'],
            ['image', 'x2', 'y2'],
            ['image', 'x3', 'y3'],
            ['scatter', 'x4', 'y4'],
          ],
        );
        for (const t of fig.data.slice(0, 3)) assert.equal(t.colormodel, 'rgb');
        const original = decodeRgb(fig.data[0].z, 6, 5);
        assert.deepEqual(original, Array.from(ex.image(3)));
        assert.deepEqual(
          fig.frames.map((f) => f.name),
          ['0', '8', '16', '24', '32', '40'],
        );
        for (const frame of fig.frames) {
          assert.deepEqual(frame.traces, [1, 2]);
          assert.deepEqual(
            frame.data.map((t) => [t.type, t.xaxis, t.yaxis]),
            [
              ['image', 'x2', 'y2'],
              ['image', 'x3', 'y3'],
            ],
          );
          assert.deepEqual(frame.data[0].zmin, fig.data[1].zmin);
          assert.deepEqual(frame.data[1].zmax, fig.data[2].zmax);
        }
        const last = decodeRgb(fig.frames.at(-1).data[0].z, 6, 5);
        assert.ok(maxAbsDiff(last, original) < 1e-3, 'k = K shows the original');
        const residual = decodeRgb(fig.frames.at(-1).data[1].z, 6, 5);
        assert.ok(
          residual.every((v) => Math.abs(v) < 1e-3),
          'and a zero residual',
        );
      }
    });
  });

  test('RGBA and two-channel stacks are refused, saying which shapes are accepted', () => {
    const rgba = npy('|u1', [2, 2, 2, 4], new Uint8Array(32));
    assert.throws(
      () => M.npyInfo(rgba),
      /^Error: RGBA images \(N, H, W, 4\) are not supported: got shape \(2, 2, 2, 4\); drop the alpha channel \(x\[\.\.\., :3\]\)/,
    );
    shared.withExplorer(M, (ex) => {
      ex.beginFile(0, 0);
      assert.throws(() => ex.feed(npy('|u1', [2, 2, 2, 2], new Uint8Array(16))), /\(N, H, W, 3\) for RGB/);
    });
  });
});
