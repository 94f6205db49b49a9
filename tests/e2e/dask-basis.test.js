// A basis computed by scripts/dask-basis on a Dask cluster (a LocalCluster of 2 worker processes,
// tests/fixtures/dask_cases.py) dropped on the page: used without a fit, for gray images solved
// exactly, wide ones by the randomized path and colour ones, and the page's reconstruction is
// scikit-learn's inverse_transform on the same images.
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
let manifest;
const fixture = (name) => path.join(tmp, name);

before(async () => {
  tmp = h.tempDir('pcarecon-e2e-dask-');
  // Runs dask-basis on each case (one LocalCluster of 2 worker processes) before the browser starts.
  execFileSync('/usr/bin/python3', [path.join(__dirname, '..', 'fixtures', 'dask_cases.py'), tmp, '--basis'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 600000,
  });
  manifest = JSON.parse(fs.readFileSync(fixture('manifest.json'), 'utf8'));
  browser = await h.launchBrowser();
  sites = await h.targets();
});

after(async () => {
  if (browser) await browser.close();
  if (sites) await sites.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// A row of a float64 C-order .npy written by NumPy (scikit-learn's reconstructions).
function referenceRow(name, row) {
  const bytes = fs.readFileSync(fixture(name));
  const headerLength = bytes.readUInt16LE(8);
  const shape = /'shape': \((\d+), (\d+)\)/.exec(bytes.toString('latin1', 10, 10 + headerLength));
  const d = Number(shape[2]);
  const data = bytes.subarray(10 + headerLength + 8 * d * row, 10 + headerLength + 8 * d * (row + 1));
  return Array.from({ length: d }, (_, i) => data.readDoubleLE(8 * i));
}

async function lastFrame(page) {
  await page.locator('#figure').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('End');
  await page.waitForFunction(() => Number(document.body.dataset.frameIndex) === window.pcaExplorer.debug.view().count - 1);
  return h.figureSnapshot(page);
}

describe('a basis from scripts/dask-basis', () => {
  for (const site of [0, 1]) {
    test(`reconstructs as scikit-learn's inverse_transform (${site ? 'http' : 'file'})`, async () => {
      const session = await h.openPage(browser, sites.list[site].url);
      const { page } = session;
      try {
        await h.waitForFigure(page, 1);
        const fits = await page.getAttribute('body', 'data-fit-count');
        for (const [name, { shape, range }] of Object.entries(manifest.cases)) {
          const version = await h.datasetVersion(page);
          await h.dropFile(page, fixture(`${name}_dask.npz`));
          await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, version, { timeout: 60000 });
          await h.waitForFigure(page, 1);
          const size = `${shape[0]}×${shape[1]}`;
          assert.match(
            await page.textContent('#dataset-name'),
            new RegExp(`${name}_dask\\.npz › images: ${manifest.shown} images of ${size}.*basis from file \\(${manifest.k} components\\)`),
          );
          const last = await lastFrame(page);
          assert.match(last.title, new RegExp(`k = ${manifest.k} of ${manifest.k} components`));
          let reference = referenceRow(`${name}_recon.npy`, 0);
          if (shape.length === 3) {
            // Colour is shown on the data range of the images loaded.
            const [low, high] = range;
            reference = reference.map((v) => Math.min(high, Math.max(low, v)));
          }
          const diff = h.maxAbsDiff(last.reconstruction, reference);
          assert.ok(diff <= 0.05, `${name}: the page's reconstruction differs from scikit-learn's inverse_transform by ${diff}`);
        }
        assert.equal(await page.getAttribute('body', 'data-fit-count'), fits, 'no fit ran');
        h.assertStayedLocal(session);
      } finally {
        await session.close();
      }
    });
  }
});
