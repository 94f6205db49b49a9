// The worker's request handling (web/worker/worker.js, as the page's worker runs it) driven through
// a fake message port with the shipped module: a NumPy-written .npy given as a Blob is loaded,
// fitted and drawn; a cancelled LOAD keeps the loaded stack; errors reply with their code (and,
// for an (N, D) file whose D is not a square, its N and D); two handlers joined by a channel, as
// the page joins its two workers, split a fit, every image's distortion and a streamed file and
// agree with one worker alone;
// and the same, where the page reads the file for the workers through a port (worker/port-blob.js).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createWorkerHandler } from '../../web/worker/worker.js';
import { ErrorCode, Kind, Phase, Request, CANCEL } from '../../web/shared/protocol.js';
import { startModule } from './module.js';
import { PortBlob, createReader } from '../../web/worker/port-blob.js';

let DIR;

// Written by NumPy: images (300, 8, 8) float32, rows (50, 10) float64 (10 is not a square), and a
// stack large enough for the split fit (70 000 × 64 values, uint8).
const SCRIPT = String.raw`
import sys
import numpy as np
rng = np.random.default_rng(5)
d = sys.argv[1]
np.save(d + '/images.npy', rng.standard_normal((300, 8, 8)).astype(np.float32))
np.save(d + '/rows.npy', rng.standard_normal((50, 10)))
np.save(d + '/big.npy', rng.integers(0, 256, (70000, 8, 8), dtype=np.uint8))
# wide.npy: uint8 (3000, 16, 16), twelve smooth patterns with decaying weights, plus noise: a
# spectrum with gaps, for the streamed top-K fit against the exact one.
yy, xx = np.mgrid[0:16, 0:16] / 15
p = np.array([np.cos(2 * np.pi * rng.uniform(0.5, 3) * yy + rng.uniform(0, 6))
              * np.cos(2 * np.pi * rng.uniform(0.5, 3) * xx + rng.uniform(0, 6)) for _ in range(12)])
w = rng.standard_normal((3000, 12)) * 50 * 0.75 ** np.arange(12)
x = 128 + w @ p.reshape(12, -1) + 3 * rng.standard_normal((3000, 256))
np.save(d + '/wide.npy', np.clip(np.rint(x), 0, 255).astype(np.uint8).reshape(3000, 16, 16))
`;

const blobOf = (name) => new Blob([fs.readFileSync(path.join(DIR, name))]);

// A worker port: what the handler posts is recorded (with its transfer list), a request's replies
// are awaited by id.
function fakePort() {
  const replies = [];
  const waiting = [];
  const port = {
    onmessage: null,
    postMessage(message, transfer = []) {
      replies.push({ message, transfer });
      for (const w of waiting.splice(0)) w();
    },
  };
  const send = (message) => port.onmessage({ data: message });
  // Resolves with the final reply (result, error or fatal) of request `id` and its progress.
  async function reply(id) {
    for (;;) {
      const mine = replies.filter((r) => r.message.id === id);
      const last = mine.find((r) => r.message.kind !== Kind.PROGRESS);
      if (last) return { ...last, progress: mine.filter((r) => r.message.kind === Kind.PROGRESS).map((r) => r.message) };
      await new Promise((resolve) => waiting.push(resolve));
    }
  }
  return { port, send, reply, replies };
}

// Two ports joined as a MessageChannel's (delivery on a later task; objects passed as they are).
function fakeChannel() {
  const a = { onmessage: null };
  const b = { onmessage: null };
  a.postMessage = (data) => setImmediate(() => b.onmessage({ data }));
  b.postMessage = (data) => setImmediate(() => a.onmessage({ data }));
  return [a, b];
}

// A worker: its port, and a request helper that resolves with the final reply.
function startWorker() {
  const fake = fakePort();
  createWorkerHandler(fake.port, (options) => startModule(options));
  let ids = 0;
  const ask = async (type, payload = {}) => {
    const id = ++ids;
    fake.send({ ...payload, id, type });
    return fake.reply(id);
  };
  return { ...fake, ask, nextId: () => ++ids };
}

// Two workers joined by a channel, the first one answering the page (as worker-client.js sets up).
function startPair() {
  const main = startWorker();
  const helper = startWorker();
  const [one, two] = fakeChannel();
  helper.send({ helper: 'port', port: one });
  main.send({ helper: 'port', port: two });
  return main;
}

before(() => {
  DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'pcarecon-worker-'));
  execFileSync('/usr/bin/python3', ['-c', SCRIPT, DIR]);
});

after(() => fs.rmSync(DIR, { recursive: true, force: true }));

describe('one worker', () => {
  test('a NumPy-written .npy as a Blob: load, fit, summary, images, figure', async () => {
    const worker = startWorker();
    const loaded = await worker.ask(Request.LOAD, { source: blobOf('images.npy'), chunkBytes: 1 << 16 });
    assert.equal(loaded.message.kind, Kind.RESULT, loaded.message.message);
    const { info } = loaded.message.result;
    assert.deepEqual([info.samples, info.height, info.width, info.channels], [300, 8, 8, 1]);
    assert.deepEqual(
      loaded.progress.map((p) => p.phase).filter((p, i, all) => all.indexOf(p) === i),
      [Phase.STARTING, Phase.READING],
    );
    const last = loaded.progress.at(-1);
    assert.equal(last.done, last.total);

    const fitted = await worker.ask(Request.FIT);
    assert.equal(fitted.message.result.nComponents, 50, "the page's default K");
    assert.equal(fitted.message.fitCount, 1);

    const summary = (await worker.ask(Request.SUMMARY, { gallery: 3 })).message.result;
    assert.equal(summary.components.length, 3 * 64);
    assert.equal(summary.nComponents, 50);
    assert.equal(summary.explainedVarianceRatio.length, 64, 'an exact fit: every eigenvalue, for the chart');
    assert.ok(summary.explainedVarianceRatio[0] >= summary.explainedVarianceRatio[1]);

    const images = await worker.ask(Request.IMAGES, { start: 298, count: 5 });
    assert.equal(images.message.result.count, 2);
    assert.deepEqual(images.transfer, [images.message.result.pixels.buffer], 'the pixels are transferred, not copied');

    const figure = await worker.ask(Request.FIGURE, { sampleIndex: 4, nComponents: 10, step: 3, frameDurationMs: 50 });
    const json = JSON.parse(figure.message.result.json);
    const ks = json.frames.map((frame) => Number(frame.name));
    assert.deepEqual(ks, [0, 3, 6, 9, 10]); // k from 0 (the mean) by 3, and K itself (the core's frames)
    assert.equal(figure.message.fitCount, 1, 'a figure does not fit again');
  });

  test("an exact fit of 256 pixels finds its K pairs only; SPECTRUM makes every eigenvalue, as a full fit's", async () => {
    const worker = startWorker();
    assert.equal((await worker.ask(Request.LOAD, { source: blobOf('wide.npy') })).message.kind, Kind.RESULT);
    const fitted = (await worker.ask(Request.FIT, { nComponents: 20 })).message.result;
    assert.deepEqual([fitted.solver, fitted.nComponents], ['exact', 20]);
    const early = (await worker.ask(Request.SUMMARY, { gallery: 0 })).message.result;
    assert.equal(early.spectrumLater, true);
    assert.equal(early.explainedVarianceRatio.length, 20, 'the K pairs only, until SPECTRUM');
    const spectrum = (await worker.ask(Request.SPECTRUM)).message.result;
    assert.equal(spectrum.explainedVarianceRatio.length, 256);
    const sum = spectrum.explainedVarianceRatio.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-9, `the ratios sum to ${sum}`);
    for (let i = 0; i < 20; i++) {
      const [a, b] = [early.explainedVariance[i], spectrum.explainedVariance[i]];
      assert.ok(Math.abs(a - b) <= 1e-12 * a, `eigenvalue ${i}: ${a} by Lanczos, ${b} of every eigenvalue`);
    }
    assert.deepEqual(early.shares, spectrum.shares, '90, 95 and 99 % within the 20 pairs');
    const after = (await worker.ask(Request.SUMMARY, { gallery: 0 })).message.result;
    assert.deepEqual([after.spectrumLater, after.explainedVarianceRatio.length], [false, 256]);
    assert.deepEqual(Array.from(after.explainedVarianceRatio), Array.from(spectrum.explainedVarianceRatio));
    // The same as a worker whose fit made every eigenvalue first (a K past the pairs: extendFit).
    const other = startWorker();
    await other.ask(Request.LOAD, { source: blobOf('wide.npy') });
    await other.ask(Request.FIT, { nComponents: 20 });
    assert.equal((await other.ask(Request.FIT, { nComponents: 30 })).message.result.passes, 0);
    const whole = (await other.ask(Request.SUMMARY, { gallery: 0 })).message.result;
    assert.equal(whole.spectrumLater, false);
    assert.deepEqual(Array.from(whole.explainedVariance), Array.from(spectrum.explainedVariance));
  });

  test('requests sent at once are served in order: LOAD of the bytes themselves, FIT, SUMMARY, FIGURE', async () => {
    // The page's first visit: the built-in dataset's bytes and every request after, not waiting for
    // any answer. A FIT served while the LOAD still reads would find nothing loaded.
    const worker = startWorker();
    const bytes = new Uint8Array(fs.readFileSync(path.join(DIR, 'images.npy')));
    const ids = [1, 2, 3, 4].map(() => worker.nextId());
    worker.send({ id: ids[0], type: Request.LOAD, source: { bytes }, chunkBytes: 1 << 16 });
    worker.send({ id: ids[1], type: Request.FIT, nComponents: 10 });
    worker.send({ id: ids[2], type: Request.SUMMARY, gallery: 0 });
    worker.send({ id: ids[3], type: Request.FIGURE, sampleIndex: 4, nComponents: 10, step: 5, frameDurationMs: 50 });
    const [loaded, fitted, summary, figure] = await Promise.all(ids.map((id) => worker.reply(id)));
    for (const reply of [loaded, fitted, summary, figure]) assert.equal(reply.message.kind, Kind.RESULT, reply.message.message);
    assert.equal(loaded.message.result.info.samples, 300);
    assert.ok(summary.message.result.nComponents >= 10);
    assert.deepEqual(
      JSON.parse(figure.message.result.json).frames.map((frame) => Number(frame.name)),
      [0, 5, 10],
    );
    const finals = worker.replies.filter((r) => r.message.kind === Kind.RESULT).map((r) => r.message.id);
    assert.deepEqual(finals, ids, 'answered in the order asked');
  });

  test('a LOAD cancelled before its first chunk ends with code cancelled; the loaded stack stays', async () => {
    const worker = startWorker();
    await worker.ask(Request.LOAD, { source: blobOf('images.npy') });
    const id = worker.nextId();
    worker.send({ id, type: Request.LOAD, source: blobOf('big.npy'), chunkBytes: 1 << 16 });
    worker.send({ type: CANCEL, target: id });
    const { message } = await worker.reply(id);
    assert.equal(message.kind, Kind.ERROR);
    assert.equal(message.code, ErrorCode.CANCELLED);
    const images = await worker.ask(Request.IMAGES, { start: 0, count: 1 });
    assert.equal(images.message.result.height, 8);
    assert.equal((await worker.ask(Request.SUMMARY, { gallery: 0 })).message.kind, Kind.ERROR, 'nothing fitted yet');
  });

  test('an (N, D) file whose D is not a square: code needs_image_shape with N and D; with a shape it loads', async () => {
    const worker = startWorker();
    const refused = (await worker.ask(Request.LOAD, { source: blobOf('rows.npy') })).message;
    assert.equal(refused.kind, Kind.ERROR);
    assert.equal(refused.code, ErrorCode.NEEDS_IMAGE_SHAPE);
    assert.deepEqual([refused.samples, refused.values], [50, 10]);
    assert.match(refused.message, /10/);
    const loaded = await worker.ask(Request.LOAD, { source: blobOf('rows.npy'), imageShape: { height: 2, width: 5 } });
    assert.deepEqual([loaded.message.result.info.height, loaded.message.result.info.width], [2, 5]);
    const wrong = (await worker.ask(Request.LOAD, { source: blobOf('rows.npy'), imageShape: { height: 3, width: 5 } })).message;
    assert.equal(wrong.kind, Kind.ERROR);
    assert.notEqual(wrong.code, ErrorCode.NEEDS_IMAGE_SHAPE, 'a wrong shape given is a bad input, not a missing one');
  });

  test('a file that is not a .npy, and a request type nobody knows: error replies with a code', async () => {
    const worker = startWorker();
    const bad = (await worker.ask(Request.LOAD, { source: new Blob(['not a numpy file at all']) })).message;
    assert.equal(bad.kind, Kind.ERROR);
    assert.equal(bad.code, ErrorCode.BAD_INPUT);
    assert.match(bad.message, /\.npy|magic|NUMPY/i);
    const unknown = (await worker.ask('no-such-request')).message;
    assert.deepEqual([unknown.kind, unknown.code], [Kind.ERROR, ErrorCode.INTERNAL]);
    assert.match(unknown.message, /no-such-request/);
  });

  test('a fault inside the module is fatal, and every later request is answered with the fatal', async () => {
    const worker = startWorker();
    const fault = (await worker.ask(Request.DEBUG_FAULT, { fault: 'trap' })).message;
    assert.equal(fault.kind, Kind.FATAL);
    const after = (await worker.ask(Request.FIT)).message;
    assert.deepEqual([after.kind, after.message], [Kind.FATAL, fault.message]);
  });
});

describe('two workers joined by a channel (the helper)', () => {
  test('a split fit gives the one-worker model', async () => {
    const one = startWorker();
    const two = startPair();
    for (const worker of [one, two]) await worker.ask(Request.LOAD, { source: blobOf('big.npy'), chunkBytes: 4 << 20 });
    const alone = (await one.ask(Request.FIT)).message.result;
    const split = (await two.ask(Request.FIT)).message.result;
    assert.deepEqual([alone.workers, split.workers], [1, 2]);
    const [a, b] = [
      (await one.ask(Request.SUMMARY, { gallery: 2 })).message.result,
      (await two.ask(Request.SUMMARY, { gallery: 2 })).message.result,
    ];
    for (let i = 0; i < 10; i++)
      assert.ok(Math.abs(a.explainedVariance[i] - b.explainedVariance[i]) <= 1e-6 * a.explainedVariance[0], `variance ${i}`);
    for (let i = 0; i < a.mean.length; i++) assert.ok(Math.abs(a.mean[i] - b.mean[i]) < 1e-4, `mean ${i}`);
    // Every image's distortion at k = 10, rows split with the helper as the fit was: the same answer.
    const [d1, d2] = [
      (await one.ask(Request.DISTORTIONS, { k: 10, worst: 8 })).message.result,
      (await two.ask(Request.DISTORTIONS, { k: 10, worst: 8 })).message.result,
    ];
    assert.deepEqual([d1.workers, d2.workers, d1.samples, d2.k, d2.worst.length], [1, 2, 70000, 10, 8]);
    assert.equal(d2.pixels.length, 8 * 64);
    for (let j = 0; j <= 10; j++)
      assert.ok(Math.abs(d1.meanDistortion[j] - d2.meanDistortion[j]) <= 1e-6 * d1.meanDistortion[0], `mean distortion ${j}`);
    for (let i = 0; i < 8; i++) {
      assert.ok(Math.abs(d1.worstDistortion[i] - d2.worstDistortion[i]) <= 1e-6 * d1.worstDistortion[0], `worst ${i}`);
      if (i > 0) assert.ok(d2.worstDistortion[i] <= d2.worstDistortion[i - 1], 'worst first');
    }
  });

  test('DISTORTIONS asked to stop while the helper measures its rows ends at once, cancelled; the next one is served', async () => {
    const main = startWorker();
    const helper = startWorker();
    const [one, two] = fakeChannel();
    // The helper's first request to measure is held (a helper busy for long), the next passes.
    let held = 0;
    const post = two.postMessage;
    two.postMessage = (data) => {
      if (data.helper === 'distortions' && held++ === 0) return;
      post(data);
    };
    helper.send({ helper: 'port', port: one });
    main.send({ helper: 'port', port: two });
    await main.ask(Request.LOAD, { source: blobOf('big.npy'), chunkBytes: 4 << 20 });
    await main.ask(Request.FIT);
    const id = main.nextId();
    main.send({ type: Request.DISTORTIONS, id, k: 10, worst: 4 });
    // once its own half is measured: it waits for the helper's
    const ownHalfDone = () =>
      main.replies.some(
        ({ message: m }) => m.id === id && m.kind === Kind.PROGRESS && m.phase === Phase.MEASURING && m.total > 0 && m.done === m.total,
      );
    while (!held || !ownHalfDone()) await new Promise((resolve) => setTimeout(resolve, 5));
    main.send({ type: CANCEL, target: id });
    const { message } = await main.reply(id);
    assert.equal(message.code, ErrorCode.CANCELLED, message.message);
    const next = (await main.ask(Request.DISTORTIONS, { k: 10, worst: 4 })).message;
    assert.equal(next.kind, Kind.RESULT, next.message);
    assert.deepEqual([next.result.workers, next.result.samples], [2, 70000]);
  });

  test("DISTORTIONS of a stack whose helper's copy would be 64 MB or more: measured in one worker", async () => {
    // 2048 images of 256×256 bytes (128 MiB) with a model of 5 components made before (LOAD's
    // fitted): the helper's half of the rows alone would be 64 MiB (dataset-distortions.js).
    const [n, h, w, k] = [2048, 256, 256, 5];
    const d = h * w;
    const header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${n}, ${h}, ${w}), }`;
    const padded = header + ' '.repeat(127 - 10 - header.length) + '\n';
    const bytes = new Uint8Array(10 + padded.length + n * d);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]);
    bytes.set(Buffer.from(padded, 'latin1'), 10);
    for (let i = 10 + padded.length, x = 9; i < bytes.length; i++) bytes[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    const npy = (values, shape) => {
      const text = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.length === 1 ? `${shape[0]},` : shape.join(', ')}), }`;
      const head = text + ' '.repeat(127 - 10 - text.length) + '\n';
      const out = new Uint8Array(10 + head.length + values.length * 4);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, head.length, 0]);
      out.set(Buffer.from(head, 'latin1'), 10);
      new Float32Array(out.buffer, 10 + head.length).set(values);
      return out;
    };
    const components = new Float32Array(k * d);
    for (let i = 0; i < k; i++) components[i * d + i] = 1; // unit vectors: orthonormal
    const arrays = {
      components: npy(components, [k, d]),
      mean: npy(new Float32Array(d).fill(127.5), [d]),
      explained_variance: npy(Float32Array.from([5, 4, 3, 2, 1]), [k]),
      explained_variance_ratio: npy(Float32Array.from([0.05, 0.04, 0.03, 0.02, 0.01]), [k]),
    };
    const pair = startPair();
    const fitted = { fit: { nComponents: k, solver: 'exact', passes: 1 }, arrays };
    assert.equal((await pair.ask(Request.LOAD, { source: { bytes }, fitted })).message.kind, Kind.RESULT);
    assert.equal((await pair.ask(Request.FIT, { nComponents: k })).message.result.precomputed, true);
    const measured = (await pair.ask(Request.DISTORTIONS, { k, worst: 4 })).message;
    assert.equal(measured.kind, Kind.RESULT, measured.message);
    assert.deepEqual([measured.result.workers, measured.result.samples, measured.result.worst.length], [1, n, 4]);
  });

  test('WARM_UP: a small fit of their own in both workers; the loaded stack, its model and fit count stay', async () => {
    const main = startWorker();
    const helper = startWorker();
    const [one, two] = fakeChannel();
    const toHelper = [];
    const post = two.postMessage;
    two.postMessage = (data) => {
      toHelper.push(data);
      post(data);
    };
    helper.send({ helper: 'port', port: one });
    main.send({ helper: 'port', port: two });
    // before any file: it works too
    const early = await main.ask(Request.WARM_UP);
    assert.equal(early.message.kind, Kind.RESULT, early.message.message);
    assert.ok(early.message.result.ms > 0);
    await main.ask(Request.LOAD, { source: blobOf('images.npy'), chunkBytes: 1 << 16 });
    const fitted = await main.ask(Request.FIT);
    const before = (await main.ask(Request.SUMMARY, { gallery: 2 })).message.result;
    const warmed = await main.ask(Request.WARM_UP);
    assert.equal(warmed.message.kind, Kind.RESULT, warmed.message.message);
    assert.equal(warmed.message.fitCount, fitted.message.fitCount, 'the scratch fit is not counted as a fit of the stack');
    const after = (await main.ask(Request.SUMMARY, { gallery: 2 })).message.result;
    assert.deepEqual([after.info, after.nComponents], [before.info, before.nComponents]);
    assert.deepEqual(Array.from(after.explainedVariance), Array.from(before.explainedVariance), 'the same model');
    assert.deepEqual(Array.from(after.mean), Array.from(before.mean));
    // The helper was told once to run its part (an accumulator's covariance), and still serves a split fit.
    assert.deepEqual(
      toHelper.filter((m) => m.helper === 'warm').map((m) => m.kernels),
      [true],
    );
    await main.ask(Request.LOAD, { source: blobOf('big.npy'), chunkBytes: 4 << 20 });
    assert.equal((await main.ask(Request.FIT)).message.result.workers, 2);
  });

  test('a streamed file read in two parts (the helper reads the second) gives the one-worker model', async () => {
    const stream = { aboveBytes: 1 << 20, windowBytes: 1 << 18 };
    const one = startWorker();
    const two = startPair();
    const alone = await one.ask(Request.LOAD, { source: blobOf('big.npy'), chunkBytes: 1 << 20, stream: { ...stream, split: false } });
    const split = await two.ask(Request.LOAD, { source: blobOf('big.npy'), chunkBytes: 1 << 20, stream });
    assert.equal(split.message.kind, Kind.RESULT, split.message.message);
    assert.deepEqual([alone.message.result.streamWorkers, split.message.result.streamWorkers], [1, 2]);
    assert.deepEqual(split.message.result.info, alone.message.result.info);
    assert.ok(split.progress.some((p) => p.phase === Phase.STREAMING));
    for (const worker of [one, two]) await worker.ask(Request.FIT);
    const [a, b] = [
      (await one.ask(Request.SUMMARY, { gallery: 1 })).message.result,
      (await two.ask(Request.SUMMARY, { gallery: 1 })).message.result,
    ];
    for (let i = 0; i < 10; i++)
      assert.ok(Math.abs(a.explainedVariance[i] - b.explainedVariance[i]) <= 1e-6 * a.explainedVariance[0], `variance ${i}`);
  });

  test('a streamed file fitted in passes over the file by both workers: pass progress, the exact top 10, Cancel mid-pass', async () => {
    // Forced to the top-K solver (its covariance would be cheap): every pass reads the file again,
    // half in each worker; the same file held in memory and fitted exactly is the reference.
    const stream = { aboveBytes: 1 << 16, windowBytes: 1 << 15, solver: 'topk' };
    const exact = startWorker();
    await exact.ask(Request.LOAD, { source: blobOf('wide.npy') });
    await exact.ask(Request.FIT, { nComponents: 12 });
    const want = (await exact.ask(Request.SUMMARY, { gallery: 12 })).message.result;
    const two = startPair();
    const load = await two.ask(Request.LOAD, { source: blobOf('wide.npy'), chunkBytes: 1 << 16, stream });
    assert.equal(load.message.kind, Kind.RESULT, load.message.message);
    assert.equal(load.message.result.streamWorkers, 2);
    assert.deepEqual(load.message.result.info.streamed.topk, true);
    assert.equal(load.message.result.info.samples, 32); // the window: 32 rows of 256 float32
    const fit = await two.ask(Request.FIT, { nComponents: 10 });
    assert.equal(fit.message.kind, Kind.RESULT, fit.message.message);
    const { solver, passes, workers, nComponents } = fit.message.result;
    assert.deepEqual([solver, workers, nComponents], ['randomized', 2, 10]);
    assert.ok(passes >= 3, `${passes} passes`);
    const passPhases = fit.progress.filter((p) => p.phase.startsWith(Phase.PASS + ' '));
    assert.match(passPhases[0].phase, /^pass 2 of at most 17 over$/);
    const fileBytes = 3000 * 256;
    assert.ok(passPhases.every((p) => p.total === fileBytes && p.done <= fileBytes));
    assert.ok(
      passPhases.some((p) => p.done === fileBytes),
      'a pass reads every byte of the data',
    );
    const got = (await two.ask(Request.SUMMARY, { gallery: 0 })).message.result;
    for (let i = 0; i < 10; i++) {
      const error = Math.abs(got.explainedVariance[i] - want.explainedVariance[i]) / want.explainedVariance[i];
      assert.ok(error <= 1e-3, `explained variance ${i}: relative error ${error}`);
    }
    assert.equal(got.totalVariance.toPrecision(10), want.totalVariance.toPrecision(10));
    // Cancel after the first chunk of a pass: the fit stops with code cancelled; then it runs again.
    const id = two.nextId();
    two.send({ type: Request.FIT, id, nComponents: 10 });
    for (;;) {
      const progress = two.replies.find((r) => r.message.id === id && String(r.message.phase).startsWith(Phase.PASS) && r.message.done > 0);
      if (progress) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    two.send({ type: CANCEL, target: id });
    const cancelled = await two.reply(id);
    assert.equal(cancelled.message.code, ErrorCode.CANCELLED);
    const again = await two.ask(Request.FIT, { nComponents: 10 });
    assert.equal(again.message.result.passes, passes);
    // K raised above the 10 fitted: the rows are not in memory, so the file is read again, pass
    // by pass, and the 12 components are the exact fit's (the 12 patterns are apart in variance).
    const raised = await two.ask(Request.FIT, { nComponents: 12 });
    assert.equal(raised.message.kind, Kind.RESULT, raised.message.message);
    assert.deepEqual([raised.message.result.solver, raised.message.result.nComponents], ['randomized', 12]);
    assert.ok(
      raised.progress.some((p) => p.phase.startsWith(Phase.PASS + ' ') && p.done === fileBytes),
      'raising K reads the file again',
    );
    const more = (await two.ask(Request.SUMMARY, { gallery: 12 })).message.result;
    assert.equal(more.nComponents, 12);
    for (let i = 0; i < 12; i++) {
      const error = Math.abs(more.explainedVariance[i] - want.explainedVariance[i]) / want.explainedVariance[i];
      assert.ok(error <= 1e-3, `K = 12, explained variance ${i}: relative error ${error}`);
      let dot = 0;
      for (let j = 0; j < 256; j++) dot += more.components[i * 256 + j] * want.components[i * 256 + j];
      assert.ok(dot > 0.999, `K = 12, component ${i}: cosine ${dot} with the exact one`);
    }
  });

  // The page's side of worker/port-blob.js (as page/worker-client.js serves it): reads of `blob`
  // through a real MessageChannel, bytes transferred. Returns the worker's end.
  function servedPort(blob, reads) {
    const channel = new MessageChannel();
    channel.port1.onmessage = async ({ data: { read, token, start, end } }) => {
      reads.push([token, start, end]);
      const buffer = await blob.slice(start, end).arrayBuffer();
      channel.port1.postMessage({ read, buffer }, [buffer]);
    };
    return channel;
  }

  test('PortBlob reads like the Blob it stands for (slice rules, bytes)', async () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256);
    const blob = new Blob([bytes]);
    const channel = servedPort(blob, []);
    const remote = new PortBlob(createReader(channel.port2), 1, 0, blob.size);
    try {
      for (const [a, b] of [
        [0, 1000],
        [10, 20],
        [-30, -5],
        [990, 2000],
        [500, 100],
        [-2000, 3],
        [0, undefined],
      ]) {
        const want = new Uint8Array(await blob.slice(a, b).arrayBuffer());
        const sub = remote.slice(a, b);
        assert.equal(sub.size, want.length, `size of slice(${a}, ${b})`);
        assert.deepEqual(new Uint8Array(await sub.arrayBuffer()), want, `bytes of slice(${a}, ${b})`);
        assert.deepEqual(new Uint8Array(await sub.slice(1, 4).arrayBuffer()), want.slice(1, 4), `a slice of slice(${a}, ${b})`);
      }
    } finally {
      channel.port1.close();
      channel.port2.close();
    }
  });

  test('a file read by the page for both workers (descriptors, not Blobs): the probe, a streamed file in two parts, the same model', async () => {
    const stream = { aboveBytes: 1 << 20, windowBytes: 1 << 18 };
    const big = blobOf('big.npy');
    const probe = await startWorker().ask(Request.PROBE_BLOB, { blob: new Blob([new Uint8Array([1])]) });
    assert.deepEqual(probe.message.result, { readable: true }, 'a worker in node reads Blobs');
    const alone = startWorker();
    // Two workers joined as in startPair, each with its own reader port to the page.
    const main = startWorker();
    const helper = startWorker();
    const [one, two] = fakeChannel();
    helper.send({ helper: 'port', port: one });
    main.send({ helper: 'port', port: two });
    const reads = [];
    const channels = [servedPort(big, reads), servedPort(big, reads)];
    main.send({ reader: 'port', port: channels[0].port2 });
    helper.send({ reader: 'port', port: channels[1].port2 });
    try {
      const descriptor = { portBlob: { token: 1, start: 0, size: big.size } };
      const blobLoad = await alone.ask(Request.LOAD, { source: big, chunkBytes: 1 << 20, stream: { ...stream, split: false } });
      const portLoad = await main.ask(Request.LOAD, { source: descriptor, chunkBytes: 1 << 20, stream });
      assert.equal(portLoad.message.kind, Kind.RESULT, portLoad.message.message);
      assert.equal(portLoad.message.result.streamWorkers, 2, 'the helper read its part through its own port');
      assert.deepEqual(portLoad.message.result.info, blobLoad.message.result.info);
      assert.ok(
        reads.every(([token]) => token === 1),
        "every read was of the page's file 1",
      );
      assert.ok(
        reads.some(([, start]) => start >= big.size / 2),
        'the second half was read through the port too',
      );
      for (const worker of [alone, main]) await worker.ask(Request.FIT);
      const [a, b] = [
        (await alone.ask(Request.SUMMARY, { gallery: 1 })).message.result,
        (await main.ask(Request.SUMMARY, { gallery: 1 })).message.result,
      ];
      for (let i = 0; i < 10; i++)
        assert.ok(Math.abs(a.explainedVariance[i] - b.explainedVariance[i]) <= 1e-6 * a.explainedVariance[0], `variance ${i}`);
      const noPort = await startWorker().ask(Request.LOAD, { source: descriptor });
      assert.match(noPort.message.message, /gave it no port to read through/);
    } finally {
      for (const c of channels) {
        c.port1.close();
        c.port2.close();
      }
    }
  });
});
