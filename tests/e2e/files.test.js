// The visitor's own files: dropped and picked files load; a float64 Fortran-order file and a
// big-endian file draw the same figure as their plain float32 twin; bad files show the core's
// message, keep the figure on screen, and the next good file works. From file:// and from http.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const { after, before, describe, test } = require('node:test');
const h = require('./helpers');

let browser;
let sites;
let fixture; // name -> path of a file written by NumPy
let reference; // scikit-learn, plain.npy sample 0
let tmp;

const PLAIN_K = 40; // plain.npy: 40 samples of 9×7 = 63 pixels, so 40 components fitted, all shown

before(async () => {
  browser = await h.launchBrowser();
  sites = await h.targets();
  tmp = h.tempDir('pcarecon-e2e-');
  fixture = h.writeFixtures(tmp);
  reference = h.sklearnReference(fixture('plain.npy'), 0, PLAIN_K, [0, PLAIN_K]);
});

after(async () => {
  if (browser) await browser.close();
  if (sites) await sites.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// Loads a file the given way and waits for its figure; returns the snapshots at the first and
// last frames.
async function load(page, file, how) {
  const version = await h.datasetVersion(page);
  if (how === 'drop') await h.dropFile(page, file);
  else await h.pickFile(page, file);
  await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, version, { timeout: 30000 });
  await h.waitForFigure(page, 1);
  const first = await h.figureSnapshot(page);
  await page.locator('#figure').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('End');
  await page.waitForFunction(() => Number(document.body.dataset.frameIndex) === window.pcaExplorer.debug.view().count - 1);
  const last = await h.figureSnapshot(page);
  return { first, last };
}

// Drops a bad file; returns the message shown.
async function loadBad(page, file) {
  const version = await h.errorVersion(page);
  await h.dropFile(page, file);
  await page.waitForFunction((v) => Number(document.body.dataset.errorVersion || 0) > v, version, { timeout: 30000 });
  await page.waitForFunction(() => document.body.dataset.busy !== 'true');
  assert.equal(await page.isVisible('#error'), true);
  return page.textContent('#error');
}

function assertSameFigure(a, b, what) {
  for (const part of ['original', 'reconstruction', 'residual']) {
    const flat = b[part].flat();
    const diff = h.maxAbsDiff(a[part], flat);
    assert.ok(diff <= 1e-4 * reference.range, `${what}: ${part} differs by ${diff}`);
  }
  assert.equal(a.title, b.title, what);
}

function assertPanels(snapshot, when) {
  assert.deepEqual(snapshot.panels, { xy: 1, x2y2: 1, x3y3: 1, x4y4: 0 }, when);
}

describe('files from the visitor', () => {
  for (const site of [0, 1]) {
    test(`load by drop and by picker, twins agree, bad files explain themselves (${site ? 'http' : 'file'})`, async () => {
      const session = await h.openPage(browser, sites.list[site].url);
      const { page } = session;
      try {
        await h.waitForFigure(page, 1);

        const plain = await load(page, fixture('plain.npy'), 'drop');
        assert.match(await page.textContent('#dataset-name'), /plain\.npy: 40 images of 9×7, dtype <f4/);
        assertPanels(plain.first, 'plain.npy, first frame');
        assertPanels(plain.last, 'plain.npy, last frame');
        assert.match(plain.last.title, new RegExp(`k = ${PLAIN_K} of ${PLAIN_K} components`));
        const tolerance = 1e-3 * reference.range;
        assert.ok(h.maxAbsDiff(plain.first.reconstruction, reference.k['0']) <= tolerance, 'k = 0 is the mean');
        assert.ok(h.maxAbsDiff(plain.last.reconstruction, reference.k[String(PLAIN_K)]) <= tolerance, 'k = K matches scikit-learn');
        assert.equal(await page.getAttribute('body', 'data-fit-count'), '1', 'plain.npy fitted (the built-in sample was not)');
        // Five components explain 99.992 % (scikit-learn): short of the whole, never "100.0%".
        let figures = await h.figureVersion(page);
        await page.fill('#k-input', '5');
        await page.press('#k-input', 'Enter');
        await h.waitForFigure(page, figures + 1);
        assert.equal(await page.textContent('#variance-summary'), 'The first 5 of 40 components explain >99.9% of the variance.');
        await page.locator('#figure').click({ position: { x: 5, y: 5 } });
        await page.keyboard.press('End');
        await page.waitForFunction(() => Number(document.body.dataset.frameK) === 5);
        assert.match((await h.figureSnapshot(page)).title, /k = 5 of 5 components — >99\.9% of variance/);
        figures = await h.figureVersion(page);
        await page.fill('#k-input', String(PLAIN_K));
        await page.press('#k-input', 'Enter');
        await h.waitForFigure(page, figures + 1);

        const fortran = await load(page, fixture('fortran64.npy'), 'pick');
        assert.match(await page.textContent('#dataset-name'), /fortran64\.npy: 40 images of 9×7, dtype <f8/);
        assertSameFigure(fortran.first, plain.first, 'float64 Fortran order, first frame');
        assertSameFigure(fortran.last, plain.last, 'float64 Fortran order, last frame');

        const big = await load(page, fixture('bigendian.npy'), 'drop');
        assert.match(await page.textContent('#dataset-name'), /bigendian\.npy: .*dtype >f4/);
        assertSameFigure(big.first, plain.first, 'big-endian, first frame');
        assertSameFigure(big.last, plain.last, 'big-endian, last frame');

        // Bad files: the core's message, the figure of bigendian.npy stays.
        const messages = {};
        for (const [name, expected] of [
          ['truncated.npy', /file is truncated: expected 10080 data bytes, found 9980/],
          ['object.npy', /object arrays \(dtype '\|O'\)/],
          ['oned.npy', /not an image stack: got a 1-D array of shape \(50,\)/],
          ['notes.txt', /not a \.npy file/],
        ]) {
          messages[name] = await loadBad(page, fixture(name));
          assert.match(messages[name], expected, `${name}: ${messages[name]}`);
          assert.ok(messages[name].includes(name), `the message names the file: ${messages[name]}`);
          assert.match(await page.textContent('#dataset-name'), /bigendian\.npy/, `${name}: the dataset on screen stays`);
          assertPanels(await h.figureSnapshot(page), `after ${name}`);
        }

        // The next good file works without a reload, and the error goes away.
        const other = await load(page, fixture('other.npy'), 'drop');
        assert.match(await page.textContent('#dataset-name'), /other\.npy: 30 images of 6×6, dtype \|u1/);
        assertPanels(other.last, 'other.npy');
        assert.equal(await page.isVisible('#error'), false);
        // The same file picked twice in a row loads twice.
        await load(page, fixture('other.npy'), 'pick');

        h.assertStayedLocal(session);
      } finally {
        await session.close();
      }
    });
  }
});

describe('cancel', () => {
  test('cancelling a long fit, or a dead worker: a fresh worker reloads the dataset on screen (http)', async () => {
    const big = h.writeLargeFixture(tmp, 'big');
    // K = 1000 (the link's k): big.npy's fit then takes long enough to be cancelled, whichever
    // solver the cost picks (its 50 components by the top-K solver can be over before a click).
    const session = await h.openPage(browser, `${sites.list[1].url}#k=1000`);
    const { page } = session;
    try {
      await h.waitForFigure(page, 1);
      await page.click('#next-sample');
      await h.waitForFigure(page, 2);
      const version = await h.datasetVersion(page);
      await h.pickFile(page, big);
      await page.waitForFunction(() => /^Fitting/.test(document.getElementById('progress-label').textContent), null, { timeout: 30000 });
      await page.waitForSelector('#busy', { state: 'visible' }); // the progress bar names the phase
      await page.click('#cancel-button');
      // A fresh worker reloads and refits the dataset that was on screen, at the same sample.
      await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, version, { timeout: 60000 });
      await page.waitForFunction(() => document.body.dataset.busy !== 'true');
      assert.match(await page.textContent('#notice'), /Cancelled\. Still showing fashion-mnist-sample\.npy/);
      assert.match(await page.textContent('#dataset-name'), /fashion-mnist-sample\.npy/);
      assert.equal(await page.inputValue('#sample-input'), '1');
      // One fit: the link's K (1000 → 784) is more than the 50 of the built-in model made at build time.
      assert.equal(await page.getAttribute('body', 'data-fit-count'), '1', 'one fit in the fresh worker');
      assert.deepEqual((await h.figureSnapshot(page)).panels, { xy: 1, x2y2: 1, x3y3: 1, x4y4: 0 });
      // And the page goes on: another sample, no refit.
      const figures = await h.figureVersion(page);
      await page.click('#next-sample');
      await h.waitForFigure(page, figures + 1);
      assert.equal(await page.getAttribute('body', 'data-fit-count'), '1');

      // A worker that dies is reported and replaced, and the dataset on screen is reloaded.
      await page.waitForFunction(() => window.pcaExplorer.debug.warmUps() > 0, null, { timeout: 30000 });
      const warmUps = await page.evaluate(() => window.pcaExplorer.debug.warmUps());
      const datasets = await h.datasetVersion(page);
      await page.evaluate(() => window.pcaExplorer.debug.simulateWorkerCrash());
      await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, datasets, { timeout: 60000 });
      // The fresh worker is warmed up too (worker/warm-up.js), once, after the dataset it shows.
      await page.waitForFunction((n) => window.pcaExplorer.debug.warmUps() === n + 1, warmUps, { timeout: 30000 });
      assert.match(await page.textContent('#error'), /The computation stopped \(simulated crash\)/);
      assert.equal(await page.inputValue('#sample-input'), '2');
      assert.equal(await page.getAttribute('body', 'data-fit-count'), '1');
      assert.deepEqual((await h.figureSnapshot(page)).panels, { xy: 1, x2y2: 1, x3y3: 1, x4y4: 0 });
      assert.deepEqual(session.forbiddenRequests(), []);
      // The only console output allowed is the crash warning (a warning, not an error).
      assert.deepEqual(session.consoleErrors, []);
    } finally {
      await session.close();
    }
  });
});

describe('a new file while the last one is measured', () => {
  // The page measures every image of the dataset on screen after its figure (DISTORTIONS, seconds
  // on a large stack); a file dropped meanwhile stops that (a fresh worker: the measuring is a
  // synchronous computation), and the fresh worker's restore of the old dataset must not come
  // back over the new file. The worker is held "busy" here by keeping its DISTORTIONS request
  // back (the page waits for its answer as for a slow worker), so the drop lands mid-measure.
  test('the dropped file stays on screen, the old dataset is not restored over it (file)', async () => {
    const holdDistortions = () => {
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (message, ...rest) {
        const w = /** @type {any} */ (window);
        if (message && message.type === 'distortions' && w.__holdDistortions) {
          w.__heldDistortions = true;
          return undefined;
        }
        return post.call(this, message, ...rest);
      };
      /** @type {any} */ (window).__holdDistortions = true;
    };
    const session = await h.openPage(browser, sites.list[0].url, { initScript: holdDistortions });
    const { page } = session;
    try {
      // (not h.waitForFigure: it waits for an idle page too)
      await page.waitForFunction(() => /** @type {any} */ (window).__heldDistortions === true, null, { timeout: 30000 });
      assert.equal(await page.getAttribute('body', 'data-busy'), 'true', 'the page waits for the measuring');
      const datasets = await h.datasetVersion(page);
      const measured = await page.evaluate(() => Number(document.body.dataset.distortionsVersion || 0));
      await h.dropFile(page, fixture('plain.npy'));
      await page.evaluate(() => /** @type {any} */ (window.__holdDistortions = false));
      await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, datasets, { timeout: 30000 });
      // plain.npy's own measuring comes after anything queued before it (a restore included).
      await page.waitForFunction((v) => Number(document.body.dataset.distortionsVersion || 0) > v, measured, { timeout: 30000 });
      await page.waitForFunction(() => document.body.dataset.busy !== 'true');
      assert.match(await page.textContent('#dataset-name'), /^plain\.npy: /);
      assert.equal(await h.datasetVersion(page), datasets + 1, 'one dataset loaded: the dropped file, nothing after it');
      assert.equal(await page.isVisible('#error'), false);
      assert.deepEqual(session.forbiddenRequests(), []);
    } finally {
      await session.close();
    }
  });
});

describe('a change of view while the dataset is measured', () => {
  // After a figure the page measures every image at its k (DISTORTIONS: seconds on a large stack
  // at a large K). A change of sample asked for meanwhile is drawn first: the measuring stops at
  // its next block (the worker keeps its data: no reload, no refit) and is asked for again after.
  test('a new sample is drawn before the measuring ends, which is asked for again after it (http)', async () => {
    const big = h.writeLargeFixture(tmp, 'big'); // 1500 images of 64×64
    const session = await h.openPage(browser, `${sites.list[1].url}#k=600`);
    const { page } = session;
    try {
      await h.waitForFigure(page, 1);
      const datasets = await h.datasetVersion(page);
      await h.pickFile(page, big);
      await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, datasets, { timeout: 120000 });
      await page.waitForFunction(() => /^Measuring every image/.test(document.getElementById('progress-label').textContent), null, {
        timeout: 60000,
        polling: 10,
      });
      const before = await page.evaluate(() => {
        const body = document.body.dataset;
        const seen = /** @type {any} */ (window.__order = []);
        new MutationObserver((records) => {
          for (const r of records) seen.push(r.attributeName);
        }).observe(document.body, { attributes: true, attributeFilter: ['data-figure-version', 'data-distortions-version'] });
        return { fits: body.fitCount, datasets: Number(body.datasetVersion), measured: Number(body.distortionsVersion || 0) };
      });
      await page.click('#next-sample');
      await page.waitForFunction((v) => Number(document.body.dataset.distortionsVersion || 0) > v, before.measured, { timeout: 120000 });
      const order = await page.evaluate(() => /** @type {any} */ (window).__order.filter((a, i, all) => all.indexOf(a) === i));
      assert.deepEqual(order, ['data-figure-version', 'data-distortions-version'], 'the new sample first, then the measuring');
      assert.match((await h.figureSnapshot(page)).title, /^Sample 1: /);
      assert.equal(await page.textContent('#worst-title'), 'Worst reconstructed at k = 600');
      assert.equal(await page.getAttribute('body', 'data-fit-count'), before.fits, 'no refit');
      assert.equal(await h.datasetVersion(page), before.datasets, 'no reload: the worker kept its data');
      assert.equal(await page.isVisible('#error'), false);
      assert.deepEqual(session.consoleErrors, []);
    } finally {
      await session.close();
    }
  });
});

describe('both workers', () => {
  test("a fit split over the two workers gives scikit-learn's reconstructions (http)", async () => {
    const split = h.writeLargeFixture(tmp, 'split');
    const K = 50; // the page's default K
    const expected = h.sklearnReference(split, 3, K, [0, 7, K]);
    const session = await h.openPage(browser, sites.list[1].url);
    const { page } = session;
    try {
      await h.waitForFigure(page, 1);
      const version = await h.datasetVersion(page);
      const fits = Number(await page.getAttribute('body', 'data-fit-count'));
      await h.dropFile(page, split);
      await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, version, { timeout: 60000 });
      const timings = await page.evaluate(() => window.pcaExplorer.debug.timings().load);
      assert.equal(timings.fitWorkers, 2, 'the helper worker accumulated half of the rows');
      await page.fill('#sample-input', '3');
      await page.press('#sample-input', 'Enter');
      await page.waitForFunction(() => document.body.dataset.busy !== 'true' && Number(document.body.dataset.frameK) === 0);
      await page.locator('#figure').click({ position: { x: 5, y: 5 } });
      for (const k of [0, 7, K]) {
        await page.waitForFunction((want) => Number(document.body.dataset.frameK) === want, k, { timeout: 30000 });
        const shown = await h.figureSnapshot(page);
        assertPanels(shown, `k = ${k}`);
        const diff = h.maxAbsDiff(shown.reconstruction, expected.k[String(k)]);
        assert.ok(diff <= 1e-4 * expected.range, `k = ${k}: the reconstruction differs from scikit-learn's by ${diff}`);
        if (k < K) for (let i = k; i < (k === 0 ? 7 : K); i++) await page.keyboard.press('ArrowRight');
      }
      assert.equal(Number(await page.getAttribute('body', 'data-fit-count')), fits + 1, 'one fit, whatever the sample');
      assert.deepEqual(session.forbiddenRequests(), []);
      assert.deepEqual(session.consoleErrors, []);
    } finally {
      await session.close();
    }
  });
});
