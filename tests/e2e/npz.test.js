// .npz archives in the page, from file:// and from http: np.savez and np.savez_compressed archives
// draw the same figure as the plain .npy; an archive with several arrays asks which one (a
// keyboard-usable chooser) and loads the one chosen; a basis from scikit-learn's IncrementalPCA
// is used without a fit and reconstructs as scikit-learn's inverse_transform; a basis that does
// not fit the images is refused with its sizes and the figure on screen stays.
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
const fixture = (name) => path.join(tmp, name);

before(async () => {
  browser = await h.launchBrowser();
  sites = await h.targets();
  tmp = h.tempDir('pcarecon-e2e-npz-');
  execFileSync('/usr/bin/python3', [path.join(__dirname, '..', 'fixtures', 'npz_cases.py'), tmp], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (sites) await sites.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// scikit-learn's reconstructions (N×D float64, C order) written by npz_cases.py.
function referenceRows(name) {
  const bytes = fs.readFileSync(fixture(name));
  const headerLength = bytes.readUInt16LE(8);
  const data = bytes.subarray(10 + headerLength);
  return Array.from({ length: data.length / 8 }, (_, i) => data.readDoubleLE(8 * i));
}

async function dropAndWait(page, file) {
  const version = await h.datasetVersion(page);
  await h.dropFile(page, file);
  await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, version, { timeout: 30000 });
  await h.waitForFigure(page, 1);
}

// The snapshots at the first and last frames of the figure on screen.
async function firstAndLast(page) {
  await page.evaluate(() => window.pcaExplorer.debug.view().goTo(0));
  await page.waitForFunction(() => Number(document.body.dataset.frameIndex) === 0);
  const first = await h.figureSnapshot(page);
  await page.locator('#figure').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('End');
  await page.waitForFunction(() => Number(document.body.dataset.frameIndex) === window.pcaExplorer.debug.view().count - 1);
  return { first, last: await h.figureSnapshot(page) };
}

function assertSameFigure(a, b, what) {
  for (const part of ['original', 'reconstruction', 'residual']) {
    const diff = h.maxAbsDiff(a[part], b[part].flat());
    assert.ok(diff <= 1e-4, `${what}: ${part} differs by ${diff}`);
  }
  assert.equal(a.title, b.title, what);
}

const PANELS = { xy: 1, x2y2: 1, x3y3: 1, x4y4: 0 };

describe('.npz archives', () => {
  for (const site of [0, 1]) {
    test(`savez, savez_compressed, a chooser, a basis file, a bad basis (${site ? 'http' : 'file'})`, async () => {
      const session = await h.openPage(browser, sites.list[site].url);
      const { page } = session;
      try {
        await h.waitForFigure(page, 1);
        assert.match(await page.getAttribute('#file-input', 'accept'), /\.npz/);

        // The same images as a .npy, then in both kinds of archive: the same figure.
        await dropAndWait(page, fixture('images.npy'));
        const plain = await firstAndLast(page);
        for (const name of ['savez.npz', 'savez_compressed.npz']) {
          await dropAndWait(page, fixture(name));
          assert.match(
            await page.textContent('#dataset-name'),
            new RegExp(`${name.replace('.', '\\.')} › images: 40 images of 9×7, dtype <f4, shape \\(40, 9, 7\\), 40 components fitted`),
          );
          const archived = await firstAndLast(page);
          assertSameFigure(archived.first, plain.first, `${name}, first frame`);
          assertSameFigure(archived.last, plain.last, `${name}, last frame`);
        }

        // Several arrays: the chooser lists them (labels cannot be images), keyboard only.
        // Escape closes it: nothing loaded, the figure stays, the focus back on the file picker.
        const datasets = await h.datasetVersion(page);
        const shownFigures = await h.figureVersion(page);
        await h.dropFile(page, fixture('multi_compressed.npz'));
        await page.waitForSelector('#npz-chooser', { state: 'visible', timeout: 30000 });
        await page.keyboard.press('Escape');
        await page.waitForSelector('#npz-chooser', { state: 'hidden' });
        assert.equal(await page.textContent('#notice'), 'Not loaded: multi_compressed.npz. Still showing savez_compressed.npz.');
        assert.equal(await page.evaluate(() => document.activeElement.id), 'file-input');
        assert.equal(await h.datasetVersion(page), datasets);
        assert.equal(await h.figureVersion(page), shownFigures);
        await h.dropFile(page, fixture('multi_compressed.npz'));
        await page.waitForSelector('#npz-chooser', { state: 'visible', timeout: 30000 });
        const rows = await page.$$eval('#npz-chooser-list label', (labels) =>
          labels.map((l) => ({ text: l.textContent, disabled: l.querySelector('input').disabled })),
        );
        assert.deepEqual(
          rows.map((r) => r.disabled),
          [false, false, true],
        );
        assert.match(rows[0].text, /^train\(40, 9, 7\) · <f4$/);
        assert.match(rows[1].text, /^test\(30, 6, 6\) · \|u1$/);
        assert.match(rows[2].text, /^labels\(40,\) · <i8 · not images: not an image stack: got a 1-D array/);
        assert.equal(await page.evaluate(() => document.activeElement.value), 'train', 'the first stack has the focus');
        assert.equal(await h.datasetVersion(page), datasets, 'nothing loaded yet');
        assert.match(await page.textContent('#dataset-name'), /savez_compressed\.npz/, 'the dataset on screen stays meanwhile');
        await page.keyboard.press('ArrowDown');
        assert.equal(await page.evaluate(() => document.activeElement.value), 'test');
        await page.keyboard.press('Enter');
        await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, datasets, { timeout: 30000 });
        await h.waitForFigure(page, 1);
        assert.equal(await page.isVisible('#npz-chooser'), false);
        assert.match(await page.textContent('#dataset-name'), /multi_compressed\.npz › test: 30 images of 6×6, dtype \|u1/);
        assert.deepEqual((await h.figureSnapshot(page)).panels, PANELS);

        // A basis from scikit-learn's IncrementalPCA: no fit, scikit-learn's reconstruction.
        const fits = await page.getAttribute('body', 'data-fit-count');
        await dropAndWait(page, fixture('basis_ipca.npz'));
        assert.match(
          await page.textContent('#dataset-name'),
          /basis_ipca\.npz › images: 40 images of 9×7, .*basis from file \(10 components\)/,
        );
        assert.equal(await page.getAttribute('body', 'data-fit-count'), fits, 'no fit ran');
        const basis = await firstAndLast(page);
        assert.match(basis.last.title, /k = 10 of 10 components/);
        const reference = referenceRows('recon_basis_ipca.npy').slice(0, 63);
        const diff = h.maxAbsDiff(basis.last.reconstruction, reference);
        assert.ok(diff <= 1e-3, `the reconstruction from the basis differs from scikit-learn's inverse_transform by ${diff}`);
        assert.equal(await page.getAttribute('#variance-summary', 'data-estimated'), 'false');
        assert.equal(await page.locator('#eigen-gallery figure').count(), 9, 'mean and 8 components of the basis');

        // A PCA basis without explained variance: estimated from the images, and said so.
        await dropAndWait(page, fixture('basis_pca.npz'));
        assert.match(await page.textContent('#dataset-name'), /basis from file \(12 components\)/);
        assert.match(
          await page.textContent('#variance-summary'),
          /Estimated from the 40 loaded images: the basis file has no explained variance/,
        );
        assert.equal(await page.getAttribute('body', 'data-fit-count'), fits, 'no fit ran');

        // A basis of the wrong size: its message, and the figure of basis_pca.npz stays.
        const errors = await h.errorVersion(page);
        await h.dropFile(page, fixture('basis_wrong_d.npz'));
        await page.waitForFunction((v) => Number(document.body.dataset.errorVersion || 0) > v, errors, { timeout: 30000 });
        await page.waitForFunction(() => document.body.dataset.busy !== 'true');
        assert.equal(
          await page.textContent('#error'),
          'Could not open basis_wrong_d.npz: the basis does not fit these images: its components have 64 values each (shape (4, 64)), the images have 9×7 = 63 pixels',
        );
        assert.match(await page.textContent('#dataset-name'), /basis_pca\.npz › images/);
        assert.deepEqual((await h.figureSnapshot(page)).panels, PANELS);
        // And the page goes on from the basis: another sample, still no fit.
        const figures = await h.figureVersion(page);
        await page.click('#next-sample');
        await h.waitForFigure(page, figures + 1);
        assert.equal(await page.getAttribute('body', 'data-fit-count'), fits);

        // A damaged archive says so, and a text file leads with what to do.
        const more = await h.errorVersion(page);
        await h.dropFile(page, fixture('bad_crc.npz'));
        await page.waitForFunction((v) => Number(document.body.dataset.errorVersion || 0) > v, more, { timeout: 30000 });
        assert.match(await page.textContent('#error'), /bad_crc\.npz: images\.npy in the \.npz archive is corrupt: its CRC-32 is/);
        const bzip = await h.errorVersion(page);
        await h.dropFile(page, fixture('bzip2.npz'));
        await page.waitForFunction((v) => Number(document.body.dataset.errorVersion || 0) > v, bzip, { timeout: 30000 });
        assert.match(
          await page.textContent('#error'),
          /bzip2\.npz: images\.npy in the \.npz archive is compressed with bzip2, which this page cannot read/,
        );
        const last = await h.errorVersion(page);
        await h.dropFile(page, fixture('not_zip.npz'));
        await page.waitForFunction((v) => Number(document.body.dataset.errorVersion || 0) > v, last, { timeout: 30000 });
        assert.match(
          await page.textContent('#error'),
          /^Could not open not_zip\.npz: not a \.npy file: save the images with numpy\.save \(a \.npy file starts with/,
        );

        h.assertStayedLocal(session);
      } finally {
        await session.close();
      }
    });
  }
});
