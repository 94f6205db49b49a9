// The dataset-wide views in the page, on one page from file:// (tests/fixtures/dataset_stats_cases.py
// writes the files and scikit-learn's answers): the k reaching 90/95/99 % of the variance in the
// variance summary and marked on the variance chart and on the distortion plot (the marks stay
// through play); the worst-reconstructed images and the mean distortion at k = 20; Download WebM
// read back by ffprobe, and its Cancel; the component range a..b and the grid of samples, from
// their hash keys; a basis file of 3 components says honestly that 90 % needs
// more than 3.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { after, before, describe, test } = require('node:test');
const h = require('./helpers');

let browser;
let session;
let tmp;
let expected;

before(async () => {
  tmp = h.tempDir('pcarecon-e2e-dataset-');
  const writer = path.join(__dirname, '..', 'fixtures', 'dataset_stats_cases.py');
  execFileSync('/usr/bin/python3', [writer, tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
  expected = JSON.parse(fs.readFileSync(path.join(tmp, 'expected.json'), 'utf8'));
  browser = await h.launchBrowser();
  session = await h.openFilePage(browser);
});

after(async () => {
  if (session) await session.close();
  if (browser) await browser.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function distortionsVersion(page) {
  return page.evaluate(() => Number(document.body.dataset.distortionsVersion || 0));
}

async function drop(page, file) {
  const version = await h.datasetVersion(page);
  await h.dropFile(page, file);
  await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, version, { timeout: 60000 });
  await h.waitForFigure(page, 1);
}

// The share marks: on the variance chart (shapes named "share …") and the figure's static traces.
function marks(page) {
  return page.evaluate(() => {
    const chart = document.getElementById('variance-chart');
    const figure = document.getElementById('figure');
    return {
      summary: document.getElementById('variance-shares').textContent,
      chart: (chart.layout.shapes || []).filter((s) => s.name && s.name.startsWith('share ')).map((s) => [s.name, s.x0]),
      figure: figure.data.filter((t) => / of the variance$/.test(t.name || '')).map((t) => [t.name, t.xaxis, t.yaxis, Array.from(t.x)]),
      traces: figure.data.length,
    };
  });
}

describe('dataset views', () => {
  test('how many components: 90/95/99 % named and marked, as scikit-learn counts them', async () => {
    const { page } = session;
    await drop(page, path.join(tmp, 'faces.npy'));
    const k = expected.shares; // {"0.9": 4, "0.95": 5, "0.99": 10}
    const seen = await marks(page);
    for (const [share, name] of [
      ['0.9', '90 %'],
      ['0.95', '95 %'],
      ['0.99', '99 %'],
    ]) {
      assert.ok(seen.summary.includes(`${name} of the variance: k = ${k[share]}`), `summary: ${seen.summary}`);
    }
    assert.deepEqual(seen.chart, [
      ['share 90 %', k['0.9']],
      ['share 95 %', k['0.95']],
      ['share 99 %', k['0.99']],
    ]);
    assert.deepEqual(seen.figure, [
      ['90 % of the variance', 'x4', 'y4', [k['0.9'], k['0.9']]],
      ['95 % of the variance', 'x4', 'y4', [k['0.95'], k['0.95']]],
      ['99 % of the variance', 'x4', 'y4', [k['0.99'], k['0.99']]],
    ]);
    // Play to the end: the marks stay where they are (frames change traces 1 and 2 only).
    const { snapshot } = await h.playWatched(page, 50, () => {});
    assert.equal(snapshot.k, 50);
    assert.deepEqual((await marks(page)).figure, seen.figure, 'marks after play');
    // K between two marks: the one past K keeps its trace, empty (nothing drawn), so the figure's
    // traces are the same at every K and a change of K is a swap (figure-swap.js); back at
    // K = 50 it is drawn again.
    const drawnMarks = () =>
      page.evaluate(() =>
        Array.from(document.querySelectorAll('#figure .scatterlayer text'), (t) => t.textContent).filter((t) => /: k = /.test(t)),
      );
    for (const K of [k['0.99'] - 1, 50]) {
      const version = await h.figureVersion(page);
      const swaps = await page.evaluate(() => window.pcaExplorer.debug.view().swaps);
      await page.fill('#k-input', String(K));
      await page.press('#k-input', 'Enter');
      await h.waitForFigure(page, version + 1);
      const shown = await marks(page);
      assert.equal(shown.traces, seen.traces, `K = ${K}: the same traces`);
      assert.equal(await page.evaluate(() => window.pcaExplorer.debug.view().swaps), swaps + 1, `K = ${K}: swapped in`);
      const past = K < k['0.99'];
      assert.deepEqual(
        shown.figure,
        [seen.figure[0], seen.figure[1], past ? ['99 % of the variance', 'x4', 'y4', [null, null]] : seen.figure[2]],
        `K = ${K}: the 99 % mark ${past ? 'empty' : 'at its k'}`,
      );
      assert.deepEqual(
        await drawnMarks(),
        ['90 %', '95 %', ...(past ? [] : ['99 %'])].map((name, i) => `${name}: k = ${k[['0.9', '0.95', '0.99'][i]]}`),
        `K = ${K}: the marks drawn`,
      );
      // Every text of the figure (the k axis's ticks: one per component at a small K) as plotly
      // draws the swapped figure from its own state.
      const texts = () => page.evaluate(() => Array.from(document.querySelectorAll('#figure .main-svg text'), (t) => t.textContent).sort()); // (a redraw orders the layers' texts otherwise)
      const swappedTexts = await texts();
      await page.evaluate(() => window.Plotly.redraw('figure'));
      assert.deepEqual(swappedTexts, await texts(), `K = ${K}: the texts as plotly draws them`);
    }
    h.assertStayedLocal(session, 'faces.npy');
  });

  test('worst reconstructed at k = 20 and the mean distortion over all images, as NumPy ranks them', async () => {
    const { page } = session;
    const before = await distortionsVersion(page);
    await page.fill('#k-input', '20');
    await page.press('#k-input', 'Enter');
    await page.waitForFunction((v) => Number(document.body.dataset.distortionsVersion || 0) > v, before, { timeout: 60000 });
    await h.waitForFigure(page, 1);
    const seen = await page.evaluate(() => ({
      title: document.getElementById('worst-title').textContent,
      worst: Array.from(document.querySelectorAll('#worst-images button'), (b) => Number(b.dataset.index)),
      pictures: Array.from(document.querySelectorAll('#worst-images canvas'), (c) => [c.width, c.height]),
      mean: document.getElementById('figure').data.find((t) => t.name === 'mean over all images'),
      sampleCurve: document.getElementById('figure').data[3],
    }));
    assert.equal(seen.title, 'Worst reconstructed at k = 20');
    assert.deepEqual(seen.worst, expected.worst['20']);
    assert.deepEqual(seen.pictures, Array(8).fill([12, 12]));
    assert.ok(seen.mean, 'the mean curve is on the figure');
    assert.equal(seen.mean.xaxis, 'x4');
    assert.equal(seen.mean.yaxis, 'y4');
    assert.deepEqual(
      Array.from(seen.mean.x),
      Array.from({ length: 21 }, (_, j) => j),
    );
    const reference = expected.mean_distortion.slice(0, 21);
    for (let j = 0; j <= 20; j++) {
      const diff = Math.abs(seen.mean.y[j] - reference[j]);
      assert.ok(diff <= 1e-5 * reference[0], `mean distortion at k = ${j}: ${seen.mean.y[j]} vs ${reference[j]}`);
    }
    assert.equal(seen.sampleCurve.name !== 'mean over all images', true);
    // Its name is a key above the distortion plot's right end, outside the plot area, so it
    // crosses neither curve nor the axis.
    const key = await page.evaluate(() => {
      const div = /** @type {any} */ (document.getElementById('figure'));
      const index = div.layout.annotations.findIndex((/** @type {any} */ a) => a.name === 'mean over all images');
      const box = (/** @type {Element | null} */ e) => e && e.getBoundingClientRect().toJSON();
      return {
        text: index >= 0 ? div.layout.annotations[index].text : null,
        label: box(div.querySelector(`.annotation[data-index="${index}"] .annotation-text-g`)),
        plot: box(div.querySelector('.draglayer .x4y4 .nsewdrag')),
      };
    });
    assert.match(key.text || '', new RegExp(`mean of ${expected.rows} images$`));
    assert.ok(key.label && key.plot, 'the key and the distortion plot are drawn');
    assert.ok(key.label.bottom <= key.plot.top + 1, `key ${JSON.stringify(key.label)} above plot ${JSON.stringify(key.plot)}`);
    assert.ok(key.label.right <= key.plot.right + 1 && key.label.left >= key.plot.left, 'the key is over the plot');
    // A click on the worst opens it as the sample.
    const figures = await h.figureVersion(page);
    await page.click(`#worst-images button[data-index="${expected.worst['20'][0]}"]`);
    await h.waitForFigure(page, figures + 1);
    assert.equal(await page.inputValue('#sample-input'), String(expected.worst['20'][0]));
    h.assertStayedLocal(session, 'worst');
  });

  test('Download WebM: the whole animation at the speed shown, read back by ffprobe; Cancel stops it', async () => {
    const { page } = session;
    const frames = await page.evaluate(() => window.pcaExplorer.debug.view().count); // k = 0..20
    assert.equal(frames, 21);
    await page.evaluate(() => {
      const speed = document.getElementById('speed-input');
      speed.value = '50';
      speed.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForFunction(() => !document.getElementById('export-webm').disabled);
    assert.match(await page.getAttribute('#export-webm', 'title'), /WebM video \(WebCodecs\)/);
    const muxer = () => session.requests.filter((r) => r.url.endsWith('/vendor/webm-muxer.js'));
    assert.deepEqual(muxer(), [], 'the muxer is not loaded up front');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 120000 }),
      page.click('#export-webm'),
      page.waitForFunction(
        () => /^Making the WebM: frame \d+ of 21$/.test(document.getElementById('gif-progress-label').textContent),
        null,
        { timeout: 60000 },
      ),
    ]);
    await page.waitForSelector('#gif-progress', { state: 'hidden' });
    assert.match(download.suggestedFilename(), /^pca-reconstruction-faces-sample-\d+-k-20\.webm$/);
    const file = path.join(tmp, 'video.webm');
    await download.saveAs(file);
    assert.ok(muxer().length >= 1, 'vendor/webm-muxer.js loaded for the export');
    const size = await page.evaluate(() => {
      const layout = document.getElementById('figure')._fullLayout;
      return [Math.floor(layout.width / 2) * 2, Math.floor(layout.height / 2) * 2];
    });
    const probe = JSON.parse(
      execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', file]).toString(),
    );
    const video = probe.streams.find((s) => s.codec_type === 'video');
    assert.match(probe.format.format_name, /webm/);
    assert.ok(['vp9', 'vp8'].includes(video.codec_name), video.codec_name);
    assert.equal(Number(video.nb_read_frames), 21, 'one video frame per figure frame');
    assert.deepEqual([video.width, video.height], size, "the figure's size");
    const duration = Number(probe.format.duration);
    assert.ok(Math.abs(duration - 21 * 0.05) <= 0.051, `21 frames of 50 ms: ${duration} s`);

    // Cancel: no download, the notice says so.
    let downloads = 0;
    page.on('download', () => downloads++);
    await page.click('#export-webm');
    await page.waitForFunction(() => /frame [1-9]\d* of 21$/.test(document.getElementById('gif-progress-label').textContent));
    await page.click('#gif-cancel');
    await page.waitForSelector('#gif-progress', { state: 'hidden' });
    assert.equal(await page.textContent('#notice'), 'WebM export cancelled: nothing was downloaded.');
    assert.equal(downloads, 0);
    h.assertStayedLocal(session, 'webm');
  });

  test('component range a..b: the sample from those components only, as scikit-learn; the link keeps it', async () => {
    const { page } = session;
    const rangeVersion = () => page.evaluate(() => Number(document.body.dataset.rangeVersion || 0));
    // The grey levels the page draws for values on the dataset's range (canvas-images.js drawGray).
    const expectedGrey = (values, [lo, hi]) => values.map((v) => Math.max(0, Math.min(255, Math.round(((v - lo) * 255) / (hi - lo)))));
    const shown = () =>
      page.evaluate(() => {
        const canvas = document.getElementById('range-canvas');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        return {
          hidden: document.getElementById('range-figure').hidden,
          caption: document.getElementById('range-caption').textContent,
          inputs: [document.getElementById('range-first').value, document.getElementById('range-last').value],
          grey: Array.from({ length: data.length / 4 }, (_, p) => data[4 * p]),
          hash: location.hash,
          range: [window.pcaExplorer.debug.state().dataset.info.valueMin, window.pcaExplorer.debug.state().dataset.info.valueMax],
        };
      });
    const check = (seen, first, last, sample) => {
      const reference = expected.ranges.find((r) => r.first === first && r.last === last && r.sample === sample);
      const grey = expectedGrey(reference.values, seen.range);
      const worst = Math.max(...grey.map((g, i) => Math.abs(g - seen.grey[i])));
      assert.ok(worst <= 1, `components ${first}..${last} of sample ${sample}: grey levels differ by ${worst}`);
    };
    // A link: the hash opens the range (and the sample).
    let version = await rangeVersion();
    await page.evaluate(() => (location.hash = '#sample=7&k=20&range=3-10'));
    await page.waitForFunction(
      (v) => Number(document.body.dataset.rangeVersion || 0) > v && document.body.dataset.busy !== 'true',
      version,
    );
    let seen = await shown();
    assert.equal(seen.hidden, false);
    assert.equal(seen.caption, 'Sample 7 from components 3..10 only');
    assert.deepEqual(seen.inputs, ['3', '10']);
    check(seen, 3, 10, 7);
    // The inputs write the hash; the other keys stay.
    version = await rangeVersion();
    await page.fill('#range-first', '2');
    await page.fill('#range-last', '2');
    await page.press('#range-last', 'Enter');
    await page.waitForFunction(
      (v) =>
        Number(document.body.dataset.rangeVersion || 0) > v && /range=2-2/.test(location.hash) && document.body.dataset.busy !== 'true',
      version,
    );
    seen = await shown();
    assert.match(seen.hash, /sample=7/);
    check(seen, 2, 2, 7);
    // Beyond the components: clamped to the last one (144); empty: off, and the key goes.
    version = await rangeVersion();
    await page.evaluate(() => (location.hash = '#sample=0&k=20&range=7-999'));
    await page.waitForFunction(
      (v) => Number(document.body.dataset.rangeVersion || 0) > v && document.body.dataset.busy !== 'true',
      version,
    );
    seen = await shown();
    assert.deepEqual(seen.inputs, ['7', '144']);
    check(seen, 7, 144, 0);
    version = await rangeVersion();
    await page.fill('#range-first', '');
    await page.fill('#range-last', '');
    await page.press('#range-last', 'Enter');
    await page.waitForFunction((v) => Number(document.body.dataset.rangeVersion || 0) > v, version);
    seen = await shown();
    assert.equal(seen.hidden, true);
    assert.doesNotMatch(seen.hash, /range=/);
    h.assertStayedLocal(session, 'range');
  });

  test('a grid of 3 samples: originals over reconstructions at the same k, each on its own axes, played together', async () => {
    const { page } = session;
    const gridVersion = () => page.evaluate(() => Number(document.body.dataset.gridVersion || 0));
    const version = await gridVersion();
    await page.evaluate(() => (location.hash = '#sample=10&k=20&step=1&grid=3'));
    await page.waitForFunction(
      (v) => Number(document.body.dataset.gridVersion || 0) > v && document.body.dataset.busy !== 'true',
      version,
      {
        timeout: 60000,
      },
    );
    const grid = await page.evaluate(() => {
      const gd = document.getElementById('sample-grid');
      const last = gd._transitionData._frames[gd._transitionData._frames.length - 1];
      return {
        hidden: gd.hidden,
        input: document.getElementById('grid-input').value,
        axes: gd.data.map((t) => `${t.xaxis}/${t.yaxis}`),
        names: gd.data.map((t) => t.name),
        frames: gd._transitionData._frames.length,
        lastName: last.name,
        lastTraces: last.traces,
        lastAxes: last.data.map((t) => `${t.xaxis}/${t.yaxis}`),
        originals: gd.data.slice(0, 3).map((t) => t.z.flat()),
        lastReconstructions: last.data.map((t) => t.z.flat()),
      };
    });
    assert.equal(grid.hidden, false);
    assert.equal(grid.input, '3');
    assert.deepEqual(grid.axes, ['x/y', 'x2/y2', 'x3/y3', 'x4/y4', 'x5/y5', 'x6/y6'], 'each image on its own axes');
    assert.deepEqual(grid.names, [
      'original 10',
      'original 11',
      'original 12',
      'reconstruction 10',
      'reconstruction 11',
      'reconstruction 12',
    ]);
    assert.equal(grid.frames, 21);
    assert.equal(grid.lastName, '20');
    assert.deepEqual(grid.lastTraces, [3, 4, 5]);
    assert.deepEqual(grid.lastAxes, ['x4/y4', 'x5/y5', 'x6/y6'], 'frame traces keep their axes');
    // At k = 20 each reconstruction is scikit-learn's: its ‖x − x̂‖² is the fixture's.
    for (let s = 0; s < 3; s++) {
      const distortion = grid.originals[s].reduce((sum, x, j) => sum + (x - grid.lastReconstructions[s][j]) ** 2, 0);
      const reference = expected.distortions['20'][10 + s];
      assert.ok(Math.abs(distortion - reference) <= 1e-3 * reference, `sample ${10 + s}: ${distortion} vs ${reference}`);
    }
    // Play: every reconstruction moves together, and no picture leaves its panel.
    await page.locator('#sample-grid .updatemenu-button', { hasText: 'Play' }).click();
    await page.waitForFunction(() => document.getElementById('sample-grid')._fullLayout.sliders[0].active === 20, null, { timeout: 60000 });
    const pictures = await page.evaluate(() =>
      ['xy', 'x2y2', 'x3y3', 'x4y4', 'x5y5', 'x6y6'].map((id) => document.querySelectorAll(`#sample-grid .subplot.${id} image`).length),
    );
    assert.deepEqual(pictures, [1, 1, 1, 1, 1, 1]);
    assert.match(await page.evaluate(() => location.hash), /grid=3/);
    h.assertStayedLocal(session, 'grid');
  });

  test('a basis of 3 components: the shares past them are said to need more', async () => {
    const { page } = session;
    await drop(page, path.join(tmp, 'faces_basis3.npz'));
    const seen = await marks(page);
    assert.equal(seen.summary, '90 %, 95 % and 99 % need more than 3 components', 'said once, together');
    assert.deepEqual(seen.chart, []);
    // On the distortion plot: a trace per share still, empty (the same traces at every K).
    assert.deepEqual(
      seen.figure,
      ['90 %', '95 %', '99 %'].map((share) => [`${share} of the variance`, 'x4', 'y4', [null, null]]),
    );
    h.assertStayedLocal(session, 'faces_basis3.npz');
  });
});
