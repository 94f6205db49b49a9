'use strict';
// Streamed mode of the shipped module (files larger than memory, with a lowered budget): a file
// NumPy wrote, streamed in chunks or read in two parts as the page's two workers do, gives
// scikit-learn's PCA of the WHOLE file while only the first rows are kept; bad calls are refused
// with the core's message and no embind object is left behind.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { startModule } = require('./module');
const { npy } = require('./npy-bytes');

let M;
let DIR;
let FILE;
let REF;

// uint8 (4000, 14, 14): smooth patterns + noise; the extremes only in the last rows. scikit-learn's
// PCA of all rows (float64) as the reference.
const SCRIPT = String.raw`
import json, sys
import numpy as np
from sklearn.decomposition import PCA
rng = np.random.default_rng(11)
n, side, rank = 4000, 14, 6
yy, xx = np.mgrid[0:side, 0:side] / (side - 1)
patterns = np.array([np.cos(2 * np.pi * rng.uniform(0.5, 3) * yy + rng.uniform(0, 6))
                     * np.cos(2 * np.pi * rng.uniform(0.5, 3) * xx + rng.uniform(0, 6))
                     for _ in range(rank)]).reshape(rank, -1)
x = 120 + (rng.standard_normal((n, rank)) * 40 * 0.75 ** np.arange(rank)) @ patterns
x = np.clip(np.rint(x + 5 * rng.standard_normal(x.shape)), 10, 240).astype(np.uint8)
x[-1, 0], x[-2, 1] = 255, 1
np.save(sys.argv[1], x.reshape(n, side, side))
pca = PCA(svd_solver='full').fit(x.astype(np.float64))
json.dump({'ev': pca.explained_variance_.tolist(), 'ratio': pca.explained_variance_ratio_.tolist(),
           'components': pca.components_[:4].tolist(), 'mean': pca.mean_.tolist(),
           'first': x[:3].astype(float).tolist()}, sys.stdout)
`;

before(async () => {
  M = await startModule();
  DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'pcarecon-streamed-'));
  FILE = path.join(DIR, 'u8.npy');
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1' }; // fast on a busy machine too
  REF = JSON.parse(execFileSync('/usr/bin/python3', ['-c', SCRIPT, FILE], { env }).toString());
});

after(() => {
  fs.rmSync(DIR, { recursive: true, force: true });
  assert.equal(M.liveExplorerCount(), 0);
});

const D = 196;
const N = 4000;

function feedRange(ex, bytes, from, to, chunk) {
  for (let i = from; i < to; i += chunk) ex.feed(bytes.subarray(i, Math.min(to, i + chunk)));
}

function withExplorer(fn) {
  const ex = new M.Explorer();
  try {
    return fn(ex);
  } finally {
    ex.delete();
  }
}

// Reads a streamed file in two parts as the page's two workers do: samples [0, split) into `main`
// (which keeps 100 rows), the rest into `helper`; returns the helper's part, not yet merged.
function readInTwoParts(main, helper, bytes, split) {
  main.setStreamAboveBytes(0);
  main.setStreamWindowBytes(100 * D * 4);
  main.beginFile(0, 0);
  main.expectFileSize(bytes.length);
  main.feed(bytes.subarray(0, 4096));
  const { dataOffset, sampleBytes, totalSamples } = main.headerInfo().streamed;
  main.readRows(0, split);
  feedRange(main, bytes, 4096, dataOffset + split * sampleBytes, 50000);
  helper.setStreamAboveBytes(0);
  helper.beginFile(0, 0);
  helper.expectFileSize(bytes.length);
  helper.feed(bytes.subarray(0, dataOffset));
  helper.readRows(split, totalSamples);
  feedRange(helper, bytes, dataOffset + split * sampleBytes, bytes.length, 50000);
  return helper.finishPart();
}

function checkAgainstSklearn(ex) {
  ex.fit(0);
  const v = ex.variance();
  assert.equal(v.nSamples, N, 'the model is over every row of the file');
  assert.equal(v.nComponents, D);
  for (let i = 0; i < D; i++) {
    assert.ok(
      Math.abs(v.explainedVariance[i] - REF.ev[i]) <= 1e-6 * REF.ev[0],
      `explained variance ${i}: ${v.explainedVariance[i]} vs scikit-learn ${REF.ev[i]}`,
    );
    assert.ok(Math.abs(v.explainedVarianceRatio[i] - REF.ratio[i]) <= 1e-8);
  }
  const mean = ex.meanImage();
  for (let j = 0; j < D; j++) assert.ok(Math.abs(mean[j] - REF.mean[j]) <= 1e-9 * 255);
  for (let i = 0; i < REF.components.length; i++) {
    const c = ex.component(i);
    let dot = 0;
    for (let j = 0; j < D; j++) dot += c[j] * REF.components[i][j];
    assert.ok(Math.abs(Math.abs(dot) - 1) <= 1e-6, `component ${i}: |dot| = ${Math.abs(dot)}`);
  }
}

test("a streamed file gives scikit-learn's PCA of the whole file, keeping the first rows", () => {
  const bytes = new Uint8Array(fs.readFileSync(FILE));
  withExplorer((ex) => {
    ex.setStreamAboveBytes(100000); // the file's float32 matrix is 3.1 MB
    ex.setStreamWindowBytes(250 * D * 4);
    ex.beginFile(0, 0);
    ex.expectFileSize(bytes.length);
    feedRange(ex, bytes, 0, bytes.length, 65536);
    const info = ex.finishFile();
    assert.equal(info.samples, 250);
    assert.deepEqual(info.shape, [N, 14, 14]);
    assert.equal(info.streamed.totalSamples, N);
    assert.equal(info.streamed.keptSamples, 250);
    assert.equal(info.streamed.sampleBytes, D);
    assert.equal(info.streamed.dataOffset, 128);
    assert.equal(info.valueMin, 1, 'the value range covers rows beyond the window');
    assert.equal(info.valueMax, 255);
    for (let s = 0; s < 3; s++) assert.deepEqual(Array.from(ex.image(s)), REF.first[s]);
    assert.throws(() => ex.image(250), {
      message: 'sample index 250 is out of range: of the 4000 samples of this streamed file, the first 250 are kept (0 to 249)',
    });
    checkAgainstSklearn(ex);
    const figure = JSON.parse(ex.figureJson({ sampleIndex: 249, nComponents: 10, step: 1, frameDurationMs: 100 }));
    assert.equal(figure.frames.length, 11); // k = 0 (the mean) to 10
  });
});

test("two Explorers reading the two parts, merged, give the same model (the page's two workers)", () => {
  const bytes = new Uint8Array(fs.readFileSync(FILE));
  withExplorer((main) =>
    withExplorer((helper) => {
      const split = 2100;
      const part = readInTwoParts(main, helper, bytes, split);
      assert.equal(part.begin, split);
      assert.equal(part.end, N);
      assert.equal(part.rows.count, N - split);
      assert.equal(part.valueMax, 255);
      assert.ok(part.rows.scatter instanceof Float64Array && part.rows.scatter.length === D * D);
      assert.throws(() => main.mergePart({ ...part, begin: 10 }), {
        message: 'part: its covariance holds 1900 rows for samples 10 to 4000',
      });
      main.mergePart(part);
      const info = main.finishFile();
      assert.equal(info.samples, 100);
      assert.equal(info.valueMax, 255);
      checkAgainstSklearn(main);
    }),
  );
});

test("finishing without the helper's part is an Error with code parts_incomplete", () => {
  const bytes = new Uint8Array(fs.readFileSync(FILE));
  withExplorer((main) =>
    withExplorer((helper) => {
      readInTwoParts(main, helper, bytes, 2100);
      assert.throws(() => main.finishFile(), {
        message: 'samples 2100 to 4000 of the streamed file were not read',
        code: 'parts_incomplete',
      });
    }),
  );
});

test("NaN in both parts: the helper hands its count over, the file's message counts all and names the first", () => {
  // float32 (3000, 14, 14), NaN at sample 40 (kept part) and at samples 2500 and 2999 (helper).
  const n = 3000;
  const values = new Float32Array(n * D).map((_, i) => (i * 7919) % 251);
  for (const at of [40 * D + 15, 2500 * D, 2999 * D + 195]) values[at] = NaN;
  const bytes = npy('<f4', [n, 14, 14], new Uint8Array(values.buffer));
  withExplorer((main) =>
    withExplorer((helper) => {
      const part = readInTwoParts(main, helper, bytes, 1500);
      assert.deepEqual(part.nonFinite, { count: 2, first: 2500 * D, overflow: 0 });
      main.mergePart(part);
      assert.throws(() => main.finishFile(), {
        message: 'data contains 3 NaN or infinite values; the first is sample 40, row 1, column 1',
      });
    }),
  );
});

test('the budget counts the bytes a file is held in: this uint8 file loads whole, its float32 twin streams', () => {
  // 784 000 bytes of uint8 (held as such), 3.1 MB as float32: a budget of 1 MB between the two.
  const bytes = new Uint8Array(fs.readFileSync(FILE));
  withExplorer((ex) => {
    ex.setStreamAboveBytes(1000000);
    ex.beginFile(0, 0);
    ex.expectFileSize(bytes.length);
    feedRange(ex, bytes, 0, bytes.length, 65536);
    const info = ex.finishFile();
    assert.equal(info.streamed, undefined, 'held whole: its bytes are within the budget');
    assert.equal(info.samples, N);
    checkAgainstSklearn(ex);
    const data = bytes.subarray(128);
    const floats = npy('<f4', [N, 14, 14], Float32Array.from(data));
    ex.beginFile(0, 0);
    ex.expectFileSize(floats.length);
    feedRange(ex, floats, 0, floats.length, 65536);
    const twin = ex.finishFile();
    assert.equal(twin.streamed.totalSamples, N, 'the same values as float32 are above the budget');
  });
});

test('readRows and finishPart only for a streamed file; a cancelled stream keeps the stack', () => {
  const bytes = new Uint8Array(fs.readFileSync(FILE));
  withExplorer((ex) => {
    ex.beginFile(0, 0);
    ex.feed(bytes.subarray(0, 1000));
    assert.throws(() => ex.readRows(0, 10), {
      message: 'only a streamed file can be read in parts: this one is held whole in memory',
    });
    ex.beginFile(0, 0);
    feedRange(ex, bytes, 0, bytes.length, 1 << 20);
    ex.finishFile();
    ex.fit(0);
    ex.setStreamAboveBytes(0);
    ex.beginFile(0, 0);
    feedRange(ex, bytes, 0, bytes.length >> 1, 4096);
    assert.ok(ex.headerInfo().streamed);
    ex.cancelFile();
    assert.equal(ex.info().samples, N);
    assert.equal(ex.info().streamed, undefined);
    assert.equal(ex.variance().nSamples, N);
    assert.throws(() => ex.setStreamAboveBytes(-1), { message: 'streaming budget must be 0 or more (got -1)' });
    assert.throws(() => ex.mergePart(null), {
      message: 'part must be an object {begin, end, valueMin, valueMax, rows, nonFinite?} (got null)',
    });
  });
});
