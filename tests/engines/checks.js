// What every browser engine must do with the built page (dist/), from file:// and from http, as a
// visitor would: the default figure; Play, with exactly one picture per image panel on every
// painted frame; a .npy and a .npz written by NumPy, chosen with the file input, whose
// reconstructions match scikit-learn's, and a larger one streamed over both workers (fitted from
// its covariance, then by the top-K solver in passes over the file); a bad
// file's message with the figure kept; and no request leaving the machine. One suite per engine
// (firefox.test.js, webkit.test.js), each through its adapter (firefox.js, webkit.js):
//   launch() -> {name, version, open(url) -> session, close()}
//   session: {evaluate(fn, ...args), waitFor(fn, arg, {timeout, what}), clickAt(x, y),
//             setFile(path), forbiddenRequests(), close()}
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { after, before, describe, test } = require('node:test');
const h = require('../e2e/helpers');
const probes = require('../e2e/page-probes');

const PANELS = { xy: 1, x2y2: 1, x3y3: 1, x4y4: 0 };
const PLAIN_K = 40; // plain.npy: 40 images of 9×7, all 40 components shown

// ---- waiting on the page's public attributes

function waitIdleFigure(session, atLeast, what) {
  return session.waitFor((n) => Number(document.body.dataset.figureVersion || 0) >= n && document.body.dataset.busy !== 'true', atLeast, {
    what,
  });
}

function counters(session) {
  return session.evaluate(() => ({
    figure: Number(document.body.dataset.figureVersion || 0),
    dataset: Number(document.body.dataset.datasetVersion || 0),
    error: Number(document.body.dataset.errorVersion || 0),
  }));
}

// Chooses a file with the file input and waits until it is on screen (a new dataset version,
// drawn, idle).
async function chooseFile(session, file) {
  const before = await counters(session);
  await session.setFile(file);
  await session.waitFor(
    (v) => Number(document.body.dataset.datasetVersion || 0) > v.dataset || Number(document.body.dataset.errorVersion || 0) > v.error,
    before,
    { what: `${path.basename(file)} loaded` },
  );
  const state = await counters(session);
  const message = await session.evaluate(() => document.getElementById('error').textContent);
  assert.ok(state.dataset > before.dataset, `${path.basename(file)} did not load: ${message}`);
  await waitIdleFigure(session, 1, `the figure of ${path.basename(file)}`);
}

// Types K into the Components field as a visitor does, and waits for the new figure.
async function setComponents(session, k) {
  const figures = (await counters(session)).figure;
  await session.evaluate((value) => {
    const input = document.getElementById('k-input');
    input.value = String(value);
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, k);
  await waitIdleFigure(session, figures + 1, `the figure with ${k} components`);
}

// The snapshot at the frame of k components (at the last frame if k is null).
async function snapshotAt(session, k) {
  const index = await session.evaluate((want) => {
    const view = window.pcaExplorer.debug.view();
    const i = want === null ? view.count - 1 : view.names.indexOf(String(want));
    if (i >= 0) view.goTo(i);
    return i;
  }, k);
  assert.ok(index >= 0, `a frame for k = ${k}`);
  await session.waitFor((i) => Number(document.body.dataset.frameIndex) === i, index, { what: `frame ${index}` });
  return session.evaluate(probes.figureSnapshot);
}

// The snapshots at the first and the last frame of the figure on screen.
async function firstAndLast(session) {
  return { first: await snapshotAt(session, 0), last: await snapshotAt(session, null) };
}

function assertReference(snapshot, reference, k, what) {
  const tolerance = 1e-3 * reference.range;
  const diff = h.maxAbsDiff(snapshot.reconstruction, reference.k[String(k)]);
  assert.ok(diff <= tolerance, `${what}: the reconstruction at k = ${k} differs from scikit-learn by ${diff} (tolerance ${tolerance})`);
  const original = h.maxAbsDiff(snapshot.original, reference.original);
  assert.ok(original <= tolerance, `${what}: the original differs by ${original}`);
}

// ---- the checks, in order, on one page

const CHECKS = [
  [
    'the default figure',
    async (session) => {
      await waitIdleFigure(session, 1, 'the first figure');
      const shown = await session.evaluate(() => ({
        name: document.getElementById('dataset-name').textContent,
        error: document.getElementById('error').hidden ? null : document.getElementById('error').textContent,
      }));
      assert.equal(shown.error, null, 'no error on first visit');
      assert.match(shown.name, /^fashion-mnist-sample\.npy \(built-in sample\): 1000 images of 28×28/);
      const snapshot = await session.evaluate(probes.figureSnapshot);
      assert.deepEqual(snapshot.panels, PANELS, 'the default figure');
      assert.equal(snapshot.original.flat().length, 784);
    },
  ],
  [
    'Play: one picture per image panel on every painted frame',
    async (session) => {
      // 12 components (13 frames, k = 0…12), set as a visitor does: quick even where a software-
      // rendered engine on a busy machine paints a few frames a second.
      await setComponents(session, 12);
      const { count } = await session.evaluate(() => ({ count: window.pcaExplorer.debug.view().count }));
      assert.equal(count, 13, 'frames k = 0…12');
      await session.evaluate(() => window.pcaExplorer.debug.view().goTo(0));
      await session.waitFor(() => Number(document.body.dataset.frameIndex) === 0, undefined, { what: 'frame 0' });
      await session.evaluate(probes.startPaintWatch);
      const centre = await session.evaluate(probes.buttonCentre, 'Play');
      assert.ok(centre, 'a Play button');
      await session.clickAt(centre.x, centre.y);
      await session.waitFor(() => document.body.dataset.playing === 'true', undefined, { what: 'playing after the click', timeout: 10000 });
      await session.waitFor(
        (last) => document.body.dataset.playing === 'false' && Number(document.body.dataset.frameIndex) === last,
        count - 1,
        { what: 'the last frame, stopped' },
      );
      const paint = await session.evaluate(probes.stopPaintWatch);
      assert.equal(paint.blank, 0, `frames with an empty image panel: ${paint.blank} of ${paint.ticks}`);
      assert.equal(paint.extra, 0, `frames with two pictures in one panel: ${paint.extra} of ${paint.ticks}`);
      assert.ok(paint.ks.length >= Math.min(10, count), `the animation went through its frames (k shown: ${paint.ks.join(', ')})`);
      assert.deepEqual(
        paint.ks,
        [...paint.ks].sort((a, b) => a - b),
        'k only grows while playing',
      );
      assert.deepEqual((await session.evaluate(probes.figureSnapshot)).panels, PANELS);
      // The last frame's pictures as shown (where play is painted, the frame painter's BMPs:
      // frame-painter.js, bmp-picture.js), then as plotly draws them itself: the same pixels.
      const painted = await session.evaluate(() => window.pcaExplorer.debug.view().painter.active);
      const shown = await session.evaluate(probes.picturePixels);
      await session.evaluate(() => window.Plotly.redraw('figure'));
      const drawn = await session.evaluate(probes.picturePixels);
      for (const id of ['xy', 'x2y2', 'x3y3']) {
        const differ = shown[id].data.filter((v, i) => v !== drawn[id].data[i]).length;
        assert.equal(differ, 0, `${id}: ${differ} bytes differ from plotly's drawing (painted: ${painted})`);
        assert.deepEqual([shown[id].width, shown[id].height], [drawn[id].width, drawn[id].height]);
      }
      await setComponents(session, 50); // the default again, for the files that follow
    },
  ],
  [
    'a change of sample: one picture per image panel while it is shown (a swap where play is painted)',
    async (session) => {
      const before = await session.evaluate(() => ({
        figure: Number(document.body.dataset.figureVersion),
        swaps: window.pcaExplorer.debug.view().swaps,
        painted: window.pcaExplorer.debug.view().painter.active,
      }));
      await session.evaluate(probes.startPaintWatch);
      await session.evaluate(() => document.getElementById('next-sample').click());
      await waitIdleFigure(session, before.figure + 1, 'the next sample');
      const paint = await session.evaluate(probes.stopPaintWatch);
      assert.equal(paint.blank + paint.extra, 0, `one picture per panel (${JSON.stringify(paint)})`);
      const after = await session.evaluate(() => ({
        title: document.querySelector('#figure .g-gtitle .gtitle').textContent,
        swaps: window.pcaExplorer.debug.view().swaps,
      }));
      assert.match(after.title, /^Sample 1: k = 0 of 50 components/);
      assert.equal(after.swaps, before.swaps + (before.painted ? 1 : 0), 'swapped in where play is painted');
      assert.deepEqual((await session.evaluate(probes.figureSnapshot)).panels, PANELS);
      await session.evaluate(() => document.getElementById('prev-sample').click()); // sample 0 again
      await waitIdleFigure(session, before.figure + 2, 'sample 0 again');
    },
  ],
  [
    "a .npy written by NumPy, from the file input: scikit-learn's reconstructions",
    async (session, ctx) => {
      await chooseFile(session, ctx.fixture('plain.npy'));
      const name = await session.evaluate(() => document.getElementById('dataset-name').textContent);
      assert.match(name, /plain\.npy: 40 images of 9×7, dtype <f4/);
      const { first, last } = await firstAndLast(session);
      assert.deepEqual(last.panels, PANELS);
      assert.match(last.title, new RegExp(`k = ${PLAIN_K} of ${PLAIN_K} components`));
      assertReference(first, ctx.plainReference, 0, 'plain.npy');
      assertReference(last, ctx.plainReference, PLAIN_K, 'plain.npy');
    },
  ],
  [
    "a .npz written by NumPy (savez_compressed): scikit-learn's reconstructions",
    async (session, ctx) => {
      await chooseFile(session, ctx.fixture('savez_compressed.npz'));
      const name = await session.evaluate(() => document.getElementById('dataset-name').textContent);
      assert.match(name, /savez_compressed\.npz › images: 40 images of 9×7, dtype <f4/);
      const { first, last } = await firstAndLast(session);
      assert.deepEqual(last.panels, PANELS);
      assertReference(first, ctx.imagesReference, 0, 'savez_compressed.npz');
      assertReference(last, ctx.imagesReference, PLAIN_K, 'savez_compressed.npz');
    },
  ],
  [
    "a file streamed over both workers: scikit-learn's reconstructions",
    async (session, ctx) => {
      // Streamed above 1 MiB (the test hook): each worker reads its part of the file.
      await session.evaluate(() => window.pcaExplorer.debug.setStreamAboveBytes(1 << 20, { windowBytes: 1 << 20 }));
      await chooseFile(session, ctx.streamed);
      const loaded = await session.evaluate(() => ({
        note: document.getElementById('streamed-note').hidden ? null : document.getElementById('streamed-note').textContent,
        workers: window.pcaExplorer.debug.timings().load.streamWorkers,
      }));
      await session.evaluate(() => window.pcaExplorer.debug.setStreamAboveBytes(1 << 30));
      assert.match(
        String(loaded.note).replace(/\s/g, ' '),
        /^12 000 images streamed \(9\.4 MB\): PCA over all of them; the first 334 are kept for display$/,
      );
      assert.equal(loaded.workers, 2, 'the helper worker read its part');
      // Five patterns under noise: beyond k = 5 the components are noise, not comparable.
      assertReference(await snapshotAt(session, 0), ctx.streamedReference, 0, 'streamed.npy');
      assertReference(await snapshotAt(session, 5), ctx.streamedReference, 5, 'streamed.npy');
    },
  ],
  [
    "the same file fitted in passes over the File by both workers (top-K): scikit-learn's reconstructions",
    async (session, ctx) => {
      // Forced to the top-K solver, K = 10 (the link's k): every pass reads the file again in
      // both workers (in WebKit from file://, through the page: worker/port-blob.js).
      await session.evaluate(() => {
        location.hash = '#k=10';
        window.pcaExplorer.debug.setStreamAboveBytes(1 << 20, { windowBytes: 1 << 20, solver: 'topk' });
      });
      await session.waitFor(() => window.pcaExplorer.debug.state().nComponents === 10 && document.body.dataset.busy !== 'true', undefined, {
        what: 'k = 10',
      });
      await chooseFile(session, ctx.streamed);
      const loaded = await session.evaluate(() => window.pcaExplorer.debug.timings().load);
      await session.evaluate(() => window.pcaExplorer.debug.setStreamAboveBytes(1 << 30));
      assert.deepEqual([loaded.solver, loaded.streamWorkers, loaded.fitWorkers], ['randomized', 2, 2]);
      assert.ok(loaded.passes >= 3, `${loaded.passes} passes over the file`);
      assertReference(await snapshotAt(session, 0), ctx.streamedReference, 0, 'streamed.npy, top-K');
      assertReference(await snapshotAt(session, 5), ctx.streamedReference, 5, 'streamed.npy, top-K');
    },
  ],
  [
    'a bad file: its message, the figure kept',
    async (session, ctx) => {
      const before = await counters(session);
      const name = await session.evaluate(() => document.getElementById('dataset-name').textContent);
      await session.setFile(ctx.fixture('truncated.npy'));
      await session.waitFor((v) => Number(document.body.dataset.errorVersion || 0) > v, before.error, { what: 'the error' });
      await session.waitFor(() => document.body.dataset.busy !== 'true', undefined, { what: 'idle' });
      const after = await session.evaluate(() => ({
        error: document.getElementById('error').hidden ? null : document.getElementById('error').textContent,
        name: document.getElementById('dataset-name').textContent,
      }));
      assert.match(String(after.error), /truncated\.npy: .*file is truncated: expected 10080 data bytes, found 9980/);
      assert.equal(after.name, name, 'the dataset on screen stays');
      assert.deepEqual((await session.evaluate(probes.figureSnapshot)).panels, PANELS);
      assert.equal((await counters(session)).dataset, before.dataset);
    },
  ],
  [
    'the WebM button: usable, or disabled with the reason',
    async (session) => {
      const webm = await session.waitFor(
        () => {
          const button = document.getElementById('export-webm');
          return !/^Checking/.test(button.title) && { disabled: button.disabled, title: button.title, codec: button.dataset.codec };
        },
        undefined,
        { what: 'the WebM support check' },
      );
      const webkit = await session.evaluate(() => /AppleWebKit/.test(navigator.userAgent) && !/Chrome/.test(navigator.userAgent));
      if (webkit) {
        assert.equal(webm.disabled, true);
        assert.match(webm.title, /WebM export is off in WebKit/);
      } else if (webm.disabled) assert.match(webm.title, /WebCodecs|WebM/, 'a disabled button says why');
      else assert.match(String(webm.codec), /^VP[89]$/);
    },
  ],
  [
    'no request left the machine',
    async (session) => {
      assert.deepEqual(session.forbiddenRequests(), [], 'requests intercepted');
      const evidence = await session.evaluate(probes.networkEvidence);
      assert.deepEqual(evidence.violations, [], 'Content-Security-Policy violations');
      assert.deepEqual(evidence.resources, [], 'resources fetched from elsewhere');
    },
  ],
];

// The suite of one engine: one browser, and for each way to open the page one test running the
// checks in order on one page.
function engineSuite(title, launchEngine) {
  const ctx = {};
  let engine;
  let sites;
  let tmp;
  before(async () => {
    tmp = h.tempDir('pcarecon-engines-');
    ctx.fixture = h.writeFixtures(tmp);
    execFileSync('/usr/bin/python3', [path.join(__dirname, '..', 'fixtures', 'npz_cases.py'), tmp], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    ctx.plainReference = h.sklearnReference(ctx.fixture('plain.npy'), 0, PLAIN_K, [0, PLAIN_K]);
    ctx.imagesReference = h.sklearnReference(ctx.fixture('images.npy'), 0, PLAIN_K, [0, PLAIN_K]);
    ctx.streamed = h.writeLargeFixture(tmp, 'streamed');
    ctx.streamedReference = h.sklearnReference(ctx.streamed, 0, 5, [0, 5]);
    sites = await h.targets();
    engine = await launchEngine();
  });
  after(async () => {
    if (engine) await engine.close();
    if (sites) await sites.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });
  describe(title, () => {
    for (const site of [0, 1]) {
      test(`the page from ${site ? 'http' : 'file://'}`, async (t) => {
        const session = await engine.open(sites.list[site].url);
        try {
          for (const [name, check] of CHECKS) {
            await t.test(name, () => check(session, ctx));
          }
        } finally {
          await session.close();
        }
      });
    }
  });
}

module.exports = { engineSuite };
