// The page's fit through the worker code (web/worker/worker.js, requests.js, split-fit.js) with
// the shipped module, on NumPy-written crops of real photographs (tests/fixtures/topk_cases.py):
// wide images are fitted by the top-K solver (asked for: with N < D the cost picks the Gram path)
// with every pass split over the two workers, and agree with scikit-learn's PCA(50,
// svd_solver='arpack'); the Gram path agrees with 'full' to rounding; narrow ones keep the exact
// covariance; a larger K fits again without reading the file again.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createWorkerHandler } from '../../web/worker/worker.js';
import { Kind, Phase, Request, CANCEL, ErrorCode } from '../../web/shared/protocol.js';
import { ROOT, startModule } from './module.js';

let DIR;
let TEMP;
let CASES;

before(() => {
  DIR = path.join(ROOT, 'build', 'native', 'fixtures', 'topk');
  if (!fs.existsSync(path.join(DIR, 'cases.json'))) {
    DIR = TEMP = fs.mkdtempSync(path.join(os.tmpdir(), 'pcarecon-topk-'));
    const script = 'import sys; sys.path.insert(0, sys.argv[1]); import topk_cases; topk_cases.write(sys.argv[2])';
    execFileSync('/usr/bin/python3', ['-c', script, path.join(ROOT, 'tests', 'fixtures'), DIR]);
  }
  CASES = Object.fromEntries(JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8')).cases.map((c) => [c.name, c]));
});

after(() => {
  if (TEMP) fs.rmSync(TEMP, { recursive: true, force: true });
});

const float64s = (file) => {
  const b = fs.readFileSync(path.join(DIR, file));
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
};

// A worker as the page runs it, through a fake port; ask(type, payload) -> the final reply.
function startWorker() {
  const port = { onmessage: null, postMessage: (message) => replies.push(message) };
  const replies = [];
  createWorkerHandler(port, (options) => startModule(options));
  let ids = 0;
  const ask = async (type, payload = {}) => {
    const id = ++ids;
    port.onmessage({ data: { ...payload, id, type } });
    for (;;) {
      const reply = replies.find((r) => r.id === id && r.kind !== Kind.PROGRESS);
      if (reply) return reply;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { port, ask, replies };
}

// Two workers joined as the page joins them (worker-client.js): the first answers the page.
// sent: when given, every message's kind the main worker sends its helper is pushed there.
function startPair(sent = null) {
  const main = startWorker();
  const helper = startWorker();
  const a = { onmessage: null };
  const b = { onmessage: null };
  a.postMessage = (data) => setImmediate(() => b.onmessage({ data }));
  b.postMessage = (data) => {
    if (sent) sent.push(data.helper);
    setImmediate(() => a.onmessage({ data }));
  };
  helper.port.onmessage({ data: { helper: 'port', port: a } });
  main.port.onmessage({ data: { helper: 'port', port: b } });
  return main;
}

async function fitted(worker, name, nComponents, solver = 'auto') {
  const source = new Blob([fs.readFileSync(path.join(DIR, `${name}.npy`))]);
  const load = await worker.ask(Request.LOAD, { source });
  assert.equal(load.kind, Kind.RESULT, load.message);
  const fit = await worker.ask(Request.FIT, { nComponents, solver });
  assert.equal(fit.kind, Kind.RESULT, fit.message);
  const summary = await worker.ask(Request.SUMMARY, { gallery: nComponents });
  return { fit: fit.result, summary: summary.result };
}

// RMS (in grey levels) between rank-k reconstructions of the first samples by two bases (K×D).
function reconstructionRms(images, d, samples, k, meanA, compsA, meanB, compsB) {
  let sum = 0;
  const rebuild = (x, mean, comps) => {
    const out = Float64Array.from(mean);
    for (let i = 0; i < k; i++) {
      let score = 0;
      for (let j = 0; j < d; j++) score += (x[j] - mean[j]) * comps[i * d + j];
      for (let j = 0; j < d; j++) out[j] += score * comps[i * d + j];
    }
    return out;
  };
  for (let s = 0; s < samples; s++) {
    const x = images.subarray(s * d, (s + 1) * d);
    const a = rebuild(x, meanA, compsA);
    const b = rebuild(x, meanB, compsB);
    for (let j = 0; j < d; j++) sum += (a[j] - b[j]) ** 2;
  }
  return Math.sqrt(sum / (samples * d));
}

describe('the top-K solver on both workers, against scikit-learn arpack', () => {
  for (const name of ['crops_gray_64', 'crops_colour_64']) {
    test(`${name}: top-K on two workers, variances and reconstructions as arpack's`, async () => {
      const c = CASES[name];
      // these wide stacks have N < D: auto would take the Gram path (below)
      const { fit, summary } = await fitted(startPair(), name, c.k, 'randomized');
      assert.equal(fit.solver, 'randomized');
      assert.equal(fit.workers, 2, 'every pass split over the helper');
      assert.equal(summary.nComponents, c.k);
      const ev = c.arpack.explained_variance;
      for (let i = 0; i < 10; i++) {
        const rel = Math.abs(summary.explainedVariance[i] - ev[i]) / ev[i];
        assert.ok(rel < 1e-3, `variance ${i}: ${summary.explainedVariance[i]} vs ${ev[i]}`);
      }
      const npy = fs.readFileSync(path.join(DIR, `${name}.u8`));
      const images = Float64Array.from(npy.subarray(0, 20 * c.dim));
      const mean = float64s(`${name}.mean.f64`);
      const arpack = float64s(`${name}.arpack.f64`);
      // k where the spectrum has a gap (a k inside a near-equal pair is not defined for any solver)
      for (const k of [5, 10, 20, 40].filter((k) => ev[k - 1] > 1.02 * ev[k])) {
        const rms = reconstructionRms(images, c.dim, 20, k, Float64Array.from(summary.mean), summary.components, mean, arpack);
        assert.ok(rms < 1, `k = ${k}: ${rms} grey levels RMS`);
      }
    });
  }

  test('one worker gives the two-worker model; a larger K fits again without reloading', async () => {
    const name = 'crops_gray_64';
    const alone = await fitted(startWorker(), name, 50, 'randomized');
    const pair = startPair();
    const split = await fitted(pair, name, 50, 'randomized');
    assert.deepEqual([alone.fit.workers, split.fit.workers], [1, 2]);
    for (let i = 0; i < 50; i++) {
      const rel = Math.abs(alone.summary.explainedVariance[i] - split.summary.explainedVariance[i]) / alone.summary.explainedVariance[0];
      assert.ok(rel < 1e-6, `variance ${i}`);
    }
    const more = await pair.ask(Request.FIT, { nComponents: 60, solver: 'randomized' });
    assert.equal(more.result.nComponents, 60);
    assert.equal(more.result.solver, 'randomized');
  });

  test('narrow images (many samples, D = 64) keep the exact covariance; a larger K needs no pass over the rows', async () => {
    const worker = startPair();
    const n = 20000;
    const header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${n}, 8, 8), }`;
    const padded = header + ' '.repeat(127 - 10 - header.length) + '\n';
    const bytes = new Uint8Array(10 + padded.length + n * 64);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]);
    bytes.set(Buffer.from(padded, 'latin1'), 10);
    for (let i = 10 + padded.length, s = 7; i < bytes.length; i++) bytes[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
    assert.equal((await worker.ask(Request.LOAD, { source: new Blob([bytes]) })).kind, Kind.RESULT);
    const fit = (await worker.ask(Request.FIT, { nComponents: 10 })).result;
    assert.deepEqual([fit.solver, fit.nComponents, fit.passes], ['exact', 10, 1]);
    const summary = (await worker.ask(Request.SUMMARY, { gallery: 0 })).result;
    assert.equal(summary.explainedVarianceRatio.length, 64, 'every eigenvalue, for the chart');
    const ratioSum = summary.explainedVarianceRatio.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(ratioSum - 1) < 1e-9, `the whole spectrum's ratios sum to ${ratioSum}`);
    // A larger K: from the exact fit's eigen-decomposition, in this worker, no pass over the rows.
    const more = (await worker.ask(Request.FIT, { nComponents: 40 })).result;
    assert.deepEqual([more.solver, more.nComponents, more.workers, more.passes], ['exact', 40, 1, 0]);
    const after = (await worker.ask(Request.SUMMARY, { gallery: 40 })).result;
    assert.equal(after.nComponents, 40);
    assert.deepEqual(Array.from(after.explainedVarianceRatio), Array.from(summary.explainedVarianceRatio));
  });
});

describe('the Gram path for few wide images (N < D), against scikit-learn full', () => {
  test('crops_gray_128 (300×16384): auto takes the exact Gram path; a larger K fits again', async () => {
    const name = 'crops_gray_128';
    const c = CASES[name];
    const pair = startPair();
    const { fit, summary } = await fitted(pair, name, c.k);
    assert.deepEqual([fit.solver, fit.passes, fit.workers, fit.nComponents], ['gram', 2, 1, c.k]);
    assert.equal(summary.explainedVarianceRatio.length, 300, 'every eigenvalue of the 300×300 Gram matrix, for the chart');
    const ev = c.full.explained_variance;
    for (let i = 0; i < c.k; i++) {
      const rel = Math.abs(summary.explainedVariance[i] - ev[i]) / ev[i];
      assert.ok(rel < 1e-9, `variance ${i}: ${summary.explainedVariance[i]} vs ${ev[i]}`);
    }
    const npy = fs.readFileSync(path.join(DIR, `${name}.u8`));
    const images = Float64Array.from(npy.subarray(0, 10 * c.dim));
    const full = float64s(`${name}.full.f64`);
    const mean = float64s(`${name}.mean.f64`);
    for (const k of [5, 10, 20, 40].filter((k) => ev[k - 1] > 1.02 * ev[k])) {
      const rms = reconstructionRms(images, c.dim, 10, k, Float64Array.from(summary.mean), summary.components, mean, full);
      assert.ok(rms < 0.01, `k = ${k}: ${rms} grey levels RMS`);
    }
    const more = await pair.ask(Request.FIT, { nComponents: 60 });
    assert.deepEqual([more.result.solver, more.result.nComponents], ['gram', 60]);
  });
});

test('crops_colour_64 (600×12288): the Gram path sums G on both workers, the one-worker model bit for bit', async () => {
  const name = 'crops_colour_64';
  const c = CASES[name];
  const alone = await fitted(startWorker(), name, c.k);
  const pair = await fitted(startPair(), name, c.k);
  assert.deepEqual([alone.fit.solver, alone.fit.workers], ['gram', 1]);
  assert.deepEqual([pair.fit.solver, pair.fit.workers], ['gram', 2], 'G summed on both workers');
  // G's int32 sums are exact wherever they are made: the same G, the same model
  assert.deepEqual(Array.from(pair.summary.explainedVariance), Array.from(alone.summary.explainedVariance));
  assert.deepEqual(Array.from(pair.summary.components), Array.from(alone.summary.components));
  const ev = c.full.explained_variance;
  for (let i = 0; i < c.k; i++) {
    const rel = Math.abs(pair.summary.explainedVariance[i] - ev[i]) / ev[i];
    assert.ok(rel < 1e-9, `variance ${i}: ${pair.summary.explainedVariance[i]} vs ${ev[i]}`);
  }
});

test('a split Gram fit cancelled midway ends with code cancelled; the next fit is whole', async () => {
  const name = 'crops_colour_64';
  const pair = startPair();
  const source = new Blob([fs.readFileSync(path.join(DIR, `${name}.npy`))]);
  assert.equal((await pair.ask(Request.LOAD, { source })).kind, Kind.RESULT);
  const id = 1000;
  pair.port.onmessage({ data: { id, type: Request.FIT, nComponents: 20 } });
  const fitting = () => pair.replies.some((r) => r.id === id && r.kind === Kind.PROGRESS && r.phase === Phase.FITTING && r.done > 0);
  while (!fitting()) await new Promise((resolve) => setImmediate(resolve));
  pair.port.onmessage({ data: { type: CANCEL, target: id } });
  let reply;
  while (!(reply = pair.replies.find((r) => r.id === id && r.kind !== Kind.PROGRESS)))
    await new Promise((resolve) => setImmediate(resolve));
  assert.equal(reply.code, ErrorCode.CANCELLED, reply.message);
  const again = await pair.ask(Request.FIT, { nComponents: 20 });
  assert.deepEqual([again.result.solver, again.result.workers], ['gram', 2]);
  const summary = (await pair.ask(Request.SUMMARY, { gallery: 0 })).result;
  const ev = CASES[name].full.explained_variance;
  assert.ok(Math.abs(summary.explainedVariance[19] - ev[19]) / ev[19] < 1e-9);
});

// N×H×W uint8 .npy bytes: a few smooth patterns with decaying weights around 120, plus noise.
function patternStack(n, h, w) {
  const header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${n}, ${h}, ${w}), }`;
  const padded = header + ' '.repeat(127 - 10 - header.length) + '\n';
  const d = h * w;
  const bytes = new Uint8Array(10 + padded.length + n * d);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]);
  bytes.set(Buffer.from(padded, 'latin1'), 10);
  let s = 11;
  const uniform = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;
  for (let i = 0, at = 10 + padded.length; i < n; i++, at += d) {
    const weights = Array.from({ length: 12 }, (_, j) => (80 * uniform()) / (1 + j));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let v = 120 + 12 * uniform();
        for (let j = 0; j < 12; j++) v += weights[j] * Math.cos(((j % 4) + 1) * x * 0.2 + (Math.floor(j / 4) + 1) * y * 0.15 + j);
        bytes[at + y * w + x] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return bytes;
}

test("more than 1000 wide images: the Gram path's K largest pairs by Lanczos, the thin exact answer", async () => {
  // 1050×33×33: N > 1000 (gram_fit.h), so Lanczos instead of every eigenvalue; the reference is
  // the thin exact path (Householder QR of the rows) in the same module.
  const n = 1050,
    d = 33 * 33,
    k = 50;
  const source = new Blob([patternStack(n, 33, 33)]);
  const fits = {};
  for (const solver of ['auto', 'exact']) {
    const worker = startWorker();
    assert.equal((await worker.ask(Request.LOAD, { source })).kind, Kind.RESULT);
    const fit = await worker.ask(Request.FIT, { nComponents: k, solver });
    assert.equal(fit.kind, Kind.RESULT, fit.message);
    fits[solver] = { fit: fit.result, summary: (await worker.ask(Request.SUMMARY, { gallery: k })).result };
  }
  const { auto, exact } = fits;
  assert.deepEqual([auto.fit.solver, exact.fit.solver], ['gram', 'exact']);
  assert.equal(auto.summary.explainedVariance.length, k, 'the K largest only: no whole spectrum');
  const ev = exact.summary.explainedVariance;
  for (let i = 0; i < k; i++) {
    const rel = Math.abs(auto.summary.explainedVariance[i] - ev[i]) / ev[0];
    assert.ok(rel < 1e-9, `variance ${i}: ${auto.summary.explainedVariance[i]} vs ${ev[i]}`);
  }
  const bytes = new Uint8Array(await source.arrayBuffer());
  const images = Float64Array.from(bytes.subarray(bytes.length - n * d, bytes.length - (n - 10) * d));
  for (const kk of [5, 12, 30].filter((kk) => ev[kk - 1] > 1.02 * ev[kk])) {
    const rms = reconstructionRms(
      images,
      d,
      10,
      kk,
      Float64Array.from(auto.summary.mean),
      auto.summary.components,
      Float64Array.from(exact.summary.mean),
      exact.summary.components,
    );
    assert.ok(rms < 0.01, `k = ${kk}: ${rms} grey levels RMS`);
  }
});

test('a long Gram fit past the memory budget for two: in this worker alone, a range at a time', async () => {
  // 1100×60×60: N²·D is a long fit, but 16·N > D (split-gram.js): G's double and int32 sums here
  // and the helper's would take more than the file's size again. Progress comes range by range.
  const sent = [];
  const pair = startPair(sent);
  const bytes = patternStack(1100, 60, 60);
  assert.equal((await pair.ask(Request.LOAD, { source: new Blob([bytes]) })).kind, Kind.RESULT);
  const fit = await pair.ask(Request.FIT, { nComponents: 20 });
  assert.deepEqual([fit.result.solver, fit.result.workers], ['gram', 1]);
  assert.deepEqual(
    [...new Set(sent)].filter((kind) => kind !== 'warm'),
    [],
    'nothing for the helper',
  );
  const steps = pair.replies.filter((r) => r.id === fit.id && r.kind === Kind.PROGRESS && r.phase === Phase.FITTING && r.done > 0);
  assert.ok(steps.length >= 4, `${steps.length} progress replies`);
  assert.ok(steps.every((r, i) => i === 0 || r.done >= steps[i - 1].done) && steps.at(-1).done === steps.at(-1).total);
  // The model of the module's one-call fit, value for value.
  const summary = (await pair.ask(Request.SUMMARY, { gallery: 20 })).result;
  const M = await startModule();
  const ex = new M.Explorer();
  try {
    ex.beginFile(0, 0);
    ex.feed(bytes);
    ex.finishFile();
    ex.fitForView(20);
    assert.deepEqual(Array.from(summary.explainedVariance), Array.from(ex.variance().explainedVariance));
    for (let i = 0; i < 20; i++) {
      const own = Float32Array.from(ex.component(i));
      assert.deepEqual(Array.from(summary.components.subarray(i * 3600, (i + 1) * 3600)), Array.from(own), `component ${i}`);
    }
  } finally {
    ex.delete();
  }
});

test('600 identical colour images on two workers: no direction to find, every component completed, no fallback', async () => {
  // N²·D = 4.4e9 with 16·N ≤ D: G on both workers; every eigenvalue of G is rounding, so W has no
  // column and the product none either (the helper is not asked for it).
  const [n, h, w] = [600, 64, 64];
  const header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${n}, ${h}, ${w}, 3), }`;
  const padded = header + ' '.repeat(127 - 10 - header.length) + '\n';
  const d = h * w * 3;
  const bytes = new Uint8Array(10 + padded.length + n * d);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]);
  bytes.set(Buffer.from(padded, 'latin1'), 10);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) bytes[10 + padded.length + i * d + j] = (j * 37) % 251;
  const pair = startPair();
  assert.equal((await pair.ask(Request.LOAD, { source: new Blob([bytes]) })).kind, Kind.RESULT);
  const fit = (await pair.ask(Request.FIT, { nComponents: 5 })).result;
  assert.deepEqual([fit.solver, fit.workers], ['gram', 2]);
  const summary = (await pair.ask(Request.SUMMARY, { gallery: 5 })).result;
  assert.deepEqual(Array.from(summary.explainedVariance).slice(0, 5), [0, 0, 0, 0, 0]);
  for (let i = 0; i < 5; i++) {
    const c = summary.components.subarray(i * d, (i + 1) * d);
    const norm = Math.sqrt(c.reduce((sum, v) => sum + v * v, 0));
    assert.ok(Math.abs(norm - 1) < 1e-5, `component ${i}: norm ${norm}`);
  }
});

test('a file whose rows fit but whose fit cannot is refused at its header, with the numbers (too_large)', async () => {
  const M = await startModule();
  const ex = new M.Explorer();
  try {
    // 600 float32 images of 512×512×3 in Fortran order: 1.89 GB, held beside the 1.89 GB of data
    // they are reordered from, and the leanest fit (the Gram path's 0.95 GB) beside them; in
    // Fortran order it cannot be streamed either (in C order it is, in passes).
    const header = "{'descr': '<f4', 'fortran_order': True, 'shape': (600, 512, 512, 3), }";
    const padded = header + ' '.repeat(127 - 10 - header.length) + '\n';
    const bytes = new Uint8Array(10 + padded.length);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]);
    bytes.set(Buffer.from(padded, 'latin1'), 10);
    ex.beginFile(0, 0);
    assert.throws(
      () => ex.feed(bytes),
      (error) => {
        assert.equal(error.code, 'too_large');
        assert.match(
          error.message,
          /the 600 images of 786432 values need 3\.77 GB as float32 \(with the Fortran-order data they are reordered from\), and fitting them \d\.\d\d GB more \(50 components\), more than the 4\.29 GB a page can hold; a Fortran-order file cannot be streamed either/,
        );
        return true;
      },
    );
  } finally {
    ex.delete();
  }
});
