// Colour images in the page: a NumPy-written RGB stack (N, H, W, 3) dropped on the page is shown
// in colour — three RGB image panels that each keep exactly one picture in their own subplot
// before, during (every animation frame) and after play; at full rank the reconstruction equals
// the original (figure data and painted pixels); thumbnails and eigen-images are in colour; the
// values match scikit-learn on X.reshape(N, -1). From file:// and from http.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const { after, before, describe, test } = require('node:test');
const h = require('./helpers');

const K = 30; // rgb.npy: 30 samples of 8×6×3 = 144 values, so 30 components fitted, all shown
let browser;
let sites;
let fixture;
let tmp;
const references = {};

before(async () => {
  browser = await h.launchBrowser();
  sites = await h.targets();
  tmp = h.tempDir('pcarecon-e2e-colour-');
  fixture = h.writeFixtures(tmp);
  for (const name of ['rgb.npy', 'rgb_fortran.npy']) references[name] = h.sklearnReference(fixture(name), 0, K, [0, 5, K]);
});

after(async () => {
  if (browser) await browser.close();
  if (sites) await sites.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function assertPanels(snapshot, when) {
  assert.deepEqual(snapshot.panels, { xy: 1, x2y2: 1, x3y3: 1, x4y4: 0 }, `${when}: one picture per image panel, in its own subplot`);
  assert.equal(snapshot.allImages, 3, `${when}: three pictures in all`);
  assert.deepEqual(snapshot.axes.slice(0, 4), ['image:xy', 'image:x2y2', 'image:x3y3', 'scatter:x4y4'], when);
  // after the sample's curve: the page's own lines on the distortion plot (mean distortion, marks)
  assert.deepEqual([...new Set(snapshot.axes.slice(3))], ['scatter:x4y4'], `${when}: every line on the distortion plot`);
}

function assertMatches(snapshot, reference, k) {
  const tolerance = 1e-3 * reference.range;
  assert.equal(snapshot.k, k, 'frame on screen');
  // Every pixel is an [r, g, b] triple.
  assert.equal(snapshot.original.length, 8);
  assert.ok(snapshot.original.every((row) => row.length === 6 && row.every((p) => p.length === 3)));
  const original = h.maxAbsDiff(snapshot.original, reference.original);
  assert.ok(original <= tolerance, `original differs by ${original}`);
  const expected = reference.k[String(k)];
  const recon = h.maxAbsDiff(snapshot.reconstruction, expected);
  assert.ok(recon <= tolerance, `reconstruction at k = ${k} differs from scikit-learn by ${recon}`);
  const residual = h.maxAbsDiff(
    snapshot.residual,
    reference.original.map((x, i) => x - expected[i]),
  );
  assert.ok(residual <= tolerance, `residual at k = ${k} differs by ${residual}`);
}

async function drop(page, file) {
  const version = await h.datasetVersion(page);
  await h.dropFile(page, file);
  await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, version, { timeout: 30000 });
  await h.waitForFigure(page, 1);
}

// Canvas pixels of the thumbnails and eigen-images: how many have red != green.
async function canvasColour(page, selector) {
  return page.evaluate((sel) => {
    let redNotGreen = 0;
    let canvases = 0;
    for (const canvas of document.querySelectorAll(sel)) {
      canvases++;
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 0; i < data.length; i += 4) if (data[i] !== data[i + 1]) redNotGreen++;
    }
    return { canvases, redNotGreen };
  }, selector);
}

describe('colour images', () => {
  for (const site of [0, 1]) {
    const file = site === 0 ? 'rgb.npy' : 'rgb_fortran.npy'; // uint8 C order; float32 Fortran order
    test(`an RGB stack is shown in colour and rebuilt exactly at full rank (${file}, ${site ? 'http' : 'file'})`, async () => {
      const { url, name } = sites.list[site];
      const session = await h.openPage(browser, url);
      const { page } = session;
      const reference = references[file];
      try {
        await h.waitForFigure(page, 1);
        await drop(page, fixture(file));
        assert.equal(await page.isVisible('#error'), false, await page.textContent('#error'));
        assert.match(await page.textContent('#dataset-name'), new RegExp(`^${file}: 30 images of 8×6 RGB, .*shape \\(30, 8, 6, 3\\)`));

        let snapshot = await h.figureSnapshot(page);
        assertPanels(snapshot, 'before play');
        assertMatches(snapshot, reference, 0);
        const layout = await page.evaluate(() => {
          const gd = document.getElementById('figure');
          return {
            annotations: gd._fullLayout.annotations.map((a) => a.text),
            colormodels: gd._fullData.slice(0, 3).map((t) => t.colormodel),
            residualRange: [gd._fullData[2].zmin.slice(0, 3), gd._fullData[2].zmax.slice(0, 3)],
          };
        });
        assert.ok(
          layout.annotations.some((t) => t.includes('(grey = 0)')),
          `residual title: ${layout.annotations}`,
        );
        assert.deepEqual(layout.colormodels, ['rgb', 'rgb', 'rgb']);
        const m = layout.residualRange[1][0];
        assert.ok(m > 0);
        assert.deepEqual(
          layout.residualRange,
          [
            [-m, -m, -m],
            [m, m, m],
          ],
          'residual symmetric around 0 per channel',
        );

        // Hover names row, column and the three channel values, in a readable (white) box, and
        // plotly has nothing to warn about (a typed-array pixel colour made it paint the box black).
        const warnings = [];
        page.on('console', (message) => {
          if (message.type() === 'warning') warnings.push(message.text());
        });
        for (const id of ['xy', 'x2y2', 'x3y3']) {
          const hover = await h.hoverPanel(page, id);
          assert.match(hover.text, /^row \d+, column \d+.*R -?[\d.]+, G -?[\d.]+, B -?[\d.]+$/, `${id} hover`);
          assert.equal(hover.fill, 'rgb(255, 255, 255)', `${id}: hover box`);
        }
        assert.deepEqual(warnings, [], 'no console warnings while hovering');

        // The pictures plotly painted are in colour, not gray and not blank.
        let painted = await h.renderedPictures(page);
        for (const id of ['xy', 'x2y2']) {
          // Painted at screen size (square pixels): 6 wide, 8 high.
          const { width, height } = painted[id];
          assert.ok(width > 6 && Math.abs(width / height - 6 / 8) < 0.05, `${id}: painted ${width}×${height}`);
          assert.ok(painted[id].redNotGreen > 0, `${id}: some pixel has red != green`);
          assert.ok(painted[id].colours > 4, `${id}: ${painted[id].colours} distinct colours`);
        }

        // Play fast, sampling every animation frame for an empty panel.
        await page.evaluate(() => {
          const speed = document.getElementById('speed-input');
          speed.value = '20';
          speed.dispatchEvent(new Event('input', { bubbles: true }));
        });
        const played = await h.playWatched(page, K, (s) => assertPanels(s, `while playing, at k = ${s.k}`));
        const { seen, paint: blink } = played;
        snapshot = played.snapshot;
        assert.ok(blink.ticks >= 10, `sampled ${blink.ticks} animation frames during play`);
        assert.equal(blink.blank, 0, `${blink.blank} painted frames had an empty image panel`);
        assert.equal(blink.extra, 0, `${blink.extra} painted frames had two pictures in one panel`);
        assert.ok(seen.size >= 3, `saw several frames while playing (${[...seen].join(', ')})`);

        await h.animationFrames(page, 12); // after the last frame: nothing moves
        snapshot = await h.figureSnapshot(page);
        assertPanels(snapshot, 'after play');
        assertMatches(snapshot, reference, K);
        // Full rank: the reconstruction is the original, in the data and in the painted pixels.
        const full = h.maxAbsDiff(snapshot.reconstruction, snapshot.original.flat(2));
        assert.ok(full <= 1e-3 * reference.range, `full-rank reconstruction differs from the original by ${full}`);
        painted = await h.renderedPictures(page);
        const worst = painted.xy.data.reduce((w, v, i) => Math.max(w, Math.abs(v - painted.x2y2.data[i])), 0);
        assert.ok(worst <= 1, `painted reconstruction differs from the painted original by ${worst} levels`);
        assert.ok(painted.x2y2.redNotGreen > 0 && painted.x2y2.colours > 4, 'the reconstruction is painted in colour');
        // A zero residual paints mid-grey (128 ± 1) everywhere.
        const residualBytes = painted.x3y3.data.filter((_, i) => i % 4 !== 3);
        assert.ok(
          residualBytes.every((v) => Math.abs(v - 127.5) <= 1),
          'zero residual is mid-grey',
        );

        // Thumbnails and eigen-images in colour.
        const thumbs = await canvasColour(page, '#thumbs canvas');
        assert.ok(thumbs.canvases >= 10, `${thumbs.canvases} thumbnails`);
        assert.ok(thumbs.redNotGreen > 0, 'thumbnails are in colour (red != green somewhere)');
        const gallery = await canvasColour(page, '#eigen-gallery canvas');
        assert.ok(gallery.canvases >= 2 && gallery.redNotGreen > 0, 'mean and components are in colour');
        // The mean on the data's scale (the reconstruction at k = 0), not stretched to its own range.
        const meanOff = await page.evaluate(() => {
          const { mean, info } = window.pcaExplorer.debug.state().dataset;
          const canvas = /** @type {HTMLCanvasElement} */ (document.querySelector('#eigen-gallery canvas'));
          const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
          let worst = 0;
          for (let i = 0; i < mean.length; i++) {
            const expected = ((mean[i] - info.valueMin) / (info.valueMax - info.valueMin)) * 255;
            worst = Math.max(worst, Math.abs(data[4 * Math.floor(i / 3) + (i % 3)] - expected));
          }
          return worst;
        });
        assert.ok(meanOff <= 1, `the mean image is off its data-scale colours by ${meanOff} levels`);
        assert.equal(await page.isVisible('#eigen-legend-rgb'), true, 'the legend says how RGB components are drawn');
        assert.equal(await page.isVisible('#eigen-legend-gray'), false);
        // The colour maps apply to gray images only: their controls say so and are disabled.
        assert.equal(await page.isVisible('#colour-note'), true, 'the Colours note for RGB images');
        for (const id of ['colormap-select', 'residual-select', 'scale-select', 'clip-select']) {
          assert.equal(await page.isDisabled(`#${id}`), true, `#${id} is disabled for RGB images`);
        }

        if (site === 1) await page.screenshot({ path: h.saveScreenshotPath('colour-loaded.png') });
        h.assertStayedLocal(session, name);
      } finally {
        await session.close();
      }
    });
  }
});

// Crops of real colour photographs (tests/fixtures/topk_cases.py), 600 of 64×64×3 written by
// NumPy: wide images, fewer than their values (N < D), fitted exactly by the Gram path (an N×N
// matrix). The reconstruction on screen at a k where the spectrum has a gap is within 0.05 grey
// level RMS of scikit-learn's PCA(50, svd_solver='arpack'); a larger K fits again without reading
// the file again.
const TOPK_SCRIPT = String.raw`
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import topk_cases
from sklearn.decomposition import PCA
images = topk_cases._crops(np.random.default_rng(1001), topk_cases._colour_photos(), 300, 64)
np.save(sys.argv[2], images)
x = images.reshape(len(images), -1).astype(np.float64)
pca = PCA(50, svd_solver='arpack', random_state=0).fit(x)
ev = pca.explained_variance_
k = next(k for k in (10, 12, 8, 15, 20) if ev[k - 1] > 1.02 * ev[k])
rebuilt = pca.mean_ + (x[:1] - pca.mean_) @ pca.components_[:k].T @ pca.components_[:k]
print(json.dumps({'k': k, 'reconstruction': rebuilt.ravel().tolist()}))
`;

describe('wide colour images: the exact Gram path in the page', () => {
  test('300 crops of 64×64×3: the exact Gram path, as scikit-learn arpack; K raised fits again (file)', async () => {
    const npy = require('node:path').join(tmp, 'crops_colour_64.npy');
    const fixturesDir = require('node:path').join(__dirname, '..', 'fixtures');
    const out = require('node:child_process').execFileSync('/usr/bin/python3', ['-c', TOPK_SCRIPT, fixturesDir, npy], {
      maxBuffer: 64 << 20,
    });
    const reference = JSON.parse(out.toString());
    const session = await h.openPage(browser, sites.list[0].url);
    const { page } = session;
    try {
      await h.waitForFigure(page, 1);
      await drop(page, npy);
      assert.equal(await page.isVisible('#error'), false, await page.textContent('#error'));
      assert.match(await page.textContent('#dataset-name'), /300 images of 64×64 RGB, .*50 components fitted \(exact, Gram matrix\)/);
      const timings = await page.evaluate(() => window.pcaExplorer.debug.timings().load);
      assert.equal(timings.solver, 'gram');
      assert.equal(timings.fitWorkers, 1);

      await page.locator('#figure').click({ position: { x: 5, y: 5 } });
      for (let i = 0; i < reference.k; i++) await page.keyboard.press('ArrowRight');
      await page.waitForFunction((k) => Number(document.body.dataset.frameK) === k, reference.k, { timeout: 10000 });
      const shown = (await h.figureSnapshot(page)).reconstruction.flat(2);
      let sum = 0;
      for (let i = 0; i < shown.length; i++) sum += (shown[i] - reference.reconstruction[i]) ** 2;
      const rms = Math.sqrt(sum / shown.length);
      assert.ok(rms < 0.05, `k = ${reference.k}: ${rms} grey levels RMS from scikit-learn arpack`);

      // K above the 50 fitted: the Gram path fits 60, the file is not read again.
      const figures = await h.figureVersion(page);
      await page.fill('#k-input', '60');
      await page.press('#k-input', 'Enter');
      await page.waitForFunction(() => /60 components fitted/.test(document.getElementById('dataset-name').textContent), null, {
        timeout: 60000,
      });
      await h.waitForFigure(page, figures + 1);
      assert.equal(await page.evaluate(() => document.body.dataset.figureVersion > 0 && document.getElementById('k-input').value), '60');
    } finally {
      await session.close();
    }
  });
});
