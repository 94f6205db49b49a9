// (N, D) files whose D is not a square (web/page/shape-field.js and its use in page/app.js): a dropped
// (30, 200) float32 file written by NumPy is refused with a page message that asks for H × W and
// opens the field; a wrong shape gives the core's message; 10 × 20 loads the same file without a
// new drop and shows 10×20 images equal to NumPy's rows; Apply re-reads the file on screen with
// another shape, which survives a restart of the engine; the previous figure stays on every error.
// From file:// and from http.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { after, before, describe, test } = require('node:test');
const h = require('./helpers');

const PYTHON = '/usr/bin/python3'; // Debian's, with numpy
const SAMPLES = 30;

let browser;
let sites;
let tmp;
let flatFile;
let reference; // scikit-learn on the flat file, sample 0

// A (30, 200) float32 file: 30 images of 10×20 (fixtures.py's seeded low-rank stack), flattened.
function writeFlatFixture(dir) {
  const file = path.join(dir, 'rows200.npy');
  const code = [
    'import sys, numpy as np',
    `sys.path.insert(0, ${JSON.stringify(__dirname)})`,
    'from fixtures import stack',
    `np.save(sys.argv[1], stack(5, ${SAMPLES}, 10, 20).reshape(${SAMPLES}, 200))`,
  ].join('\n');
  execFileSync(PYTHON, ['-c', code, file]);
  return file;
}

before(async () => {
  browser = await h.launchBrowser();
  sites = await h.targets();
  tmp = h.tempDir('pcarecon-shape-');
  flatFile = writeFlatFixture(tmp);
  reference = h.sklearnReference(flatFile, 0, SAMPLES, []);
});

after(async () => {
  if (browser) await browser.close();
  if (sites) await sites.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function shown(page) {
  return page.evaluate(() => ({
    title: document.getElementById('figure')._fullLayout.title.text,
    dataset: document.getElementById('dataset-name').textContent,
    figureVersion: Number(document.body.dataset.figureVersion),
  }));
}

// Runs `action` and waits for the error it causes; returns the message.
async function expectError(page, action) {
  const version = await h.errorVersion(page);
  await action();
  await page.waitForFunction((v) => Number(document.body.dataset.errorVersion || 0) > v, version, { timeout: 30000 });
  await page.waitForFunction(() => document.body.dataset.busy !== 'true');
  assert.equal(await page.isVisible('#error'), true);
  return page.textContent('#error');
}

// Runs `action` and waits for the dataset it loads.
async function expectLoad(page, action) {
  const version = await h.datasetVersion(page);
  await action();
  await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, version, { timeout: 30000 });
  await h.waitForFigure(page, 1);
}

async function enterShape(page, height, width) {
  await page.fill('#shape-height', String(height));
  await page.fill('#shape-width', String(width));
}

function assertImages(snapshot, height, width, what) {
  for (const part of ['original', 'reconstruction', 'residual']) {
    assert.equal(snapshot[part].length, height, `${what}: ${part} has ${height} rows`);
    assert.ok(
      snapshot[part].every((row) => row.length === width),
      `${what}: ${part} rows of ${width}`,
    );
  }
  assert.deepEqual(snapshot.panels, { xy: 1, x2y2: 1, x3y3: 1, x4y4: 0 }, `${what}: one image per panel`);
  const diff = h.maxAbsDiff(snapshot.original, reference.original);
  assert.ok(diff <= 1e-4 * reference.range, `${what}: the original is NumPy's row 0 (differs by ${diff})`);
}

describe('(N, D) files with an image shape', () => {
  for (const site of [0, 1]) {
    const where = site ? 'http' : 'file';
    test(`the page asks for H × W, Apply loads the same file (${where})`, async () => {
      const session = await h.openPage(browser, sites.list[site].url);
      const { page } = session;
      try {
        await h.waitForFigure(page, 1);
        assert.equal(await page.getAttribute('#shape-details', 'open'), null, 'the field is folded away at first');
        const before = await shown(page);

        // Dropped without a shape: the page explains, opens the field and puts the focus in it.
        let message = await expectError(page, () => h.dropFile(page, flatFile));
        assert.match(
          message,
          /^Could not open rows200\.npy: 200 values per row is not a square image: give the image shape \(height × width = 200, e\.g\. 10 × 20\) and press Apply\.$/,
        );
        assert.equal(await page.getAttribute('#shape-details', 'open'), '', 'the field is opened');
        assert.equal(await page.evaluate(() => document.activeElement.id), 'shape-height', 'the focus is in the field');
        assert.deepEqual(await shown(page), before, 'the previous figure stays');

        // A wrong shape (Enter in the field applies it): the core's message; the figure stays.
        await enterShape(page, 7, 7);
        message = await expectError(page, () => page.press('#shape-width', 'Enter'));
        assert.match(
          message,
          /^Could not open rows200\.npy: the image shape 7x7 does not fit rows of 200 values \(shape \(30, 200\)\): height x width must equal 200/,
        );
        assert.deepEqual(await shown(page), before, 'the previous figure stays');

        // Not a usable number: the page says so and reads nothing.
        await enterShape(page, 0, 20);
        await page.click('#shape-apply');
        assert.match(await page.textContent('#error'), /The image shape 0 × 20 is not valid/);
        assert.deepEqual(await shown(page), before);

        // 10 × 20: the same file loads, without a new drop.
        await enterShape(page, 10, 20);
        await expectLoad(page, () => page.click('#shape-apply'));
        assert.equal(await page.isHidden('#error'), true, 'the error is gone');
        assert.match(await page.textContent('#dataset-name'), /^rows200\.npy: 30 images of 10×20, dtype <f4, shape \(30, 200\)/);
        assertImages(await h.figureSnapshot(page), 10, 20, '10 × 20');
        assert.deepEqual(
          await page.evaluate(() => [
            document.getElementById('shape-height').placeholder,
            document.getElementById('shape-width').placeholder,
          ]),
          ['10', '20'],
          'the field shows the shape in use',
        );

        // Apply with another shape re-reads the file on screen: 20 × 10.
        await enterShape(page, 20, 10);
        await expectLoad(page, () => page.click('#shape-apply'));
        assertImages(await h.figureSnapshot(page), 20, 10, '20 × 10');

        // A fresh engine reloads the file with its shape.
        await expectLoad(page, () => page.evaluate(() => window.pcaExplorer.debug.simulateWorkerCrash()));
        assert.match(await page.textContent('#error'), /The computation stopped \(simulated crash\)/);
        assertImages(await h.figureSnapshot(page), 20, 10, 'after the restart');

        // The shape applies to (N, D) files only: the built-in (N, H, W) sample ignores it.
        await expectLoad(page, () => page.click('#default-button'));
        assert.match(await page.textContent('#dataset-name'), /images of 28×28/);
        h.assertStayedLocal(session, where);
      } finally {
        await session.close();
      }
    });
  }
});
