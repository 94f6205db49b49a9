// Files read by the page for the workers (web/port-blob.js): where a worker cannot read a Blob
// (WebKit from file://; tests/engines covers it there), the page reads the file in slices and
// transfers the bytes. Forced here with the debug switch self.PCA_READ_FILES_ON_PAGE, so the same
// path runs in Chromium: a NumPy .npy and .npz against scikit-learn, a file streamed over both
// workers, a bad file's message. The default dataset reaches the workers as bytes in every mode
// (web/page/builtin-dataset.js): here it only shows that the page starts with the switch on.
// Without the switch Chromium's workers read.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { after, before, describe, test } = require('node:test');
const h = require('./helpers');

let browser;
let sites;
let tmp;
let fixture;
let plainReference;
let streamed;
let streamedReference;

before(async () => {
  browser = await h.launchBrowser();
  sites = await h.targets();
  tmp = h.tempDir('pcarecon-e2e-page-reading-');
  fixture = h.writeFixtures(tmp);
  execFileSync('/usr/bin/python3', [path.join(__dirname, '..', 'fixtures', 'npz_cases.py'), tmp], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  plainReference = h.sklearnReference(fixture('plain.npy'), 0, 40, [0, 40]);
  streamed = h.writeLargeFixture(tmp, 'streamed');
  streamedReference = h.sklearnReference(streamed, 0, 5, [0, 5]);
});

after(async () => {
  if (browser) await browser.close();
  if (sites) await sites.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function load(page, file) {
  const version = await h.datasetVersion(page);
  const errors = await h.errorVersion(page);
  await h.pickFile(page, file);
  await page.waitForFunction(
    ([v, e]) => Number(document.body.dataset.datasetVersion || 0) > v || Number(document.body.dataset.errorVersion || 0) > e,
    [version, errors],
    { timeout: 60000 },
  );
  assert.equal(await page.isVisible('#error'), false, await page.textContent('#error'));
  await h.waitForFigure(page, 1);
}

// The figure at the frame of k components.
async function snapshotAt(page, k) {
  const index = await page.evaluate((want) => {
    const view = window.pcaExplorer.debug.view();
    const i = view.names.indexOf(String(want));
    view.goTo(i);
    return i;
  }, k);
  assert.ok(index >= 0, `a frame for k = ${k}`);
  await page.waitForFunction((i) => Number(document.body.dataset.frameIndex) === i, index);
  return h.figureSnapshot(page);
}

function assertReference(snapshot, reference, k, what) {
  const tolerance = 1e-3 * reference.range;
  const diff = h.maxAbsDiff(snapshot.reconstruction, reference.k[String(k)]);
  assert.ok(diff <= tolerance, `${what}: the reconstruction at k = ${k} differs from scikit-learn by ${diff}`);
}

const readOnPage = () => {
  self.PCA_READ_FILES_ON_PAGE = true;
};

describe('files read by the page for the workers', () => {
  for (const site of [0, 1]) {
    test(`forced: default, .npy, .npz, streamed over both workers, a bad file (${site ? 'http' : 'file'})`, async () => {
      const session = await h.openPage(browser, sites.list[site].url, { initScript: readOnPage });
      const { page } = session;
      try {
        await h.waitForFigure(page, 1);
        assert.equal(await page.evaluate(() => window.pcaExplorer.debug.fileReading()), 'page');
        assert.match(await page.textContent('#dataset-name'), /^fashion-mnist-sample\.npy/);
        assert.deepEqual((await h.figureSnapshot(page)).panels, { xy: 1, x2y2: 1, x3y3: 1, x4y4: 0 });

        await load(page, fixture('plain.npy'));
        assertReference(await snapshotAt(page, 0), plainReference, 0, 'plain.npy');
        assertReference(await snapshotAt(page, 40), plainReference, 40, 'plain.npy');

        await load(page, fixture('savez_compressed.npz'));
        assert.match(await page.textContent('#dataset-name'), /savez_compressed\.npz › images: 40 images of 9×7/);
        assertReference(await snapshotAt(page, 40), plainReference, 40, 'savez_compressed.npz (the images of plain.npy)');

        await page.evaluate(() => window.pcaExplorer.debug.setStreamAboveBytes(1 << 20, { windowBytes: 1 << 20 }));
        await load(page, streamed);
        assert.equal(await page.evaluate(() => window.pcaExplorer.debug.timings().load.streamWorkers), 2, 'both workers read a part');
        assertReference(await snapshotAt(page, 0), streamedReference, 0, 'streamed.npy');
        assertReference(await snapshotAt(page, 5), streamedReference, 5, 'streamed.npy');

        const errors = await h.errorVersion(page);
        await h.pickFile(page, fixture('truncated.npy'));
        await page.waitForFunction((e) => Number(document.body.dataset.errorVersion || 0) > e, errors, { timeout: 60000 });
        assert.match(await page.textContent('#error'), /truncated\.npy: .*file is truncated: expected 10080 data bytes, found 9980/);
        assert.match(await page.textContent('#dataset-name'), /^streamed\.npy/);
        h.assertStayedLocal(session);
      } finally {
        await session.close();
      }
    });
  }

  test("without the switch, Chromium's workers read the files themselves (file)", async () => {
    const session = await h.openPage(browser, sites.list[0].url);
    try {
      await h.waitForFigure(session.page, 1);
      assert.equal(await session.page.evaluate(() => window.pcaExplorer.debug.fileReading()), 'worker');
    } finally {
      await session.close();
    }
  });
});
