// The page on first visit: the default dataset (Fashion-MNIST sample) animates on load, every
// panel keeps its own heatmap at every frame, the values match scikit-learn, the keyboard moves k,
// a sample change does not refit, and no request leaves the machine. From file:// and from http.
'use strict';

const assert = require('node:assert/strict');
const { after, before, describe, test } = require('node:test');
const h = require('./helpers');

const K = 50; // the page's default number of components
let browser;
let sites;
let reference0; // sample 0
let reference1; // sample 1

before(async () => {
  browser = await h.launchBrowser();
  sites = await h.targets();
  reference0 = h.sklearnReference(h.DEFAULT_DATASET, 0, K, [0, 2, 10, K]);
  reference1 = h.sklearnReference(h.DEFAULT_DATASET, 1, K, [0, K]);
});

after(async () => {
  if (browser) await browser.close();
  if (sites) await sites.close();
});

// Before the page's scripts: counts the workers started before the first figure is on screen
// (a first visit draws from replies made at build time and starts its worker after that), and
// notes, when that figure is drawn, whether the page still holds back its controls and panels
// (html.starting: they appear once it is painted) and where the figure is.
function watchFirstFigure() {
  window.__workersBeforeFigure = 0;
  const NativeWorker = window.Worker;
  window.Worker = class extends NativeWorker {
    constructor(...args) {
      if (!(Number(document.body.dataset.figureVersion || 0) >= 1)) window.__workersBeforeFigure += 1;
      super(...args);
    }
  };
  new MutationObserver((_, observer) => {
    if (!(Number(document.body.dataset.figureVersion || 0) >= 1)) return;
    observer.disconnect();
    const figure = document.getElementById('figure');
    window.__atFirstFigure = {
      starting: document.documentElement.classList.contains('starting'),
      box: figure.getBoundingClientRect().toJSON(),
      width: figure.querySelector('.main-svg').getAttribute('width'),
    };
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-figure-version'] });
}

// The controls and panels appear after the first figure, without moving or resizing it.
async function assertShownAfterFigure(page) {
  const first = await page.evaluate(() => window.__atFirstFigure);
  assert.ok(first.starting, 'the controls and panels wait until the first figure is painted (html.starting)');
  await page.waitForFunction(() => !document.documentElement.classList.contains('starting'), null, { timeout: 10000 });
  const now = await page.evaluate(() => {
    const figure = document.getElementById('figure');
    return { box: figure.getBoundingClientRect().toJSON(), width: figure.querySelector('.main-svg').getAttribute('width') };
  });
  assert.deepEqual(now, { box: first.box, width: first.width }, 'the figure keeps its place and width when the rest appears');
  for (const selector of ['#play-button', '#file-input + label', '#variance-chart .main-svg', '.bottom a']) {
    assert.ok(await page.isVisible(selector), `${selector} is shown after the first figure`);
  }
}

function assertPanels(snapshot, when) {
  assert.deepEqual(
    snapshot.panels,
    { xy: 1, x2y2: 1, x3y3: 1, x4y4: 0 },
    `${when}: each image panel must hold exactly one heatmap image in its own subplot`,
  );
  assert.equal(snapshot.allImages, 3, `${when}: three heatmap images in all`);
  assert.deepEqual(snapshot.axes.slice(0, 3), ['heatmap:xy', 'heatmap:x2y2', 'heatmap:x3y3'], when);
}

function assertMatches(snapshot, reference, k) {
  const tolerance = 1e-3 * reference.range;
  const expected = reference.k[String(k)];
  assert.ok(expected, `no reference for k = ${k}`);
  assert.equal(snapshot.k, k, 'frame on screen');
  assert.equal(snapshot.markerK, k, 'the distortion marker sits at the current k');
  const original = h.maxAbsDiff(snapshot.original, reference.original);
  assert.ok(original <= tolerance, `original differs by ${original}`);
  const recon = h.maxAbsDiff(snapshot.reconstruction, expected);
  assert.ok(recon <= tolerance, `reconstruction at k = ${k} differs from scikit-learn by ${recon} (tolerance ${tolerance})`);
  const residualExpected = reference.original.map((x, i) => x - expected[i]);
  const residual = h.maxAbsDiff(snapshot.residual, residualExpected);
  assert.ok(residual <= tolerance, `residual at k = ${k} differs by ${residual}`);
}

async function frameK(page) {
  return page.evaluate(() => Number(document.body.dataset.frameK));
}

async function waitForK(page, k) {
  await page.waitForFunction((want) => Number(document.body.dataset.frameK) === want, k, { timeout: 10000 });
}

describe('the default dataset', () => {
  for (const site of [0, 1]) {
    test(`animates on load, plays to the end and reacts to the controls (${site ? 'http' : 'file'})`, async () => {
      const { url, name } = sites.list[site];
      const session = await h.openPage(browser, url, { initScript: watchFirstFigure });
      const { page } = session;
      try {
        await h.waitForFigure(page, 1);
        assert.equal(await page.evaluate(() => window.__workersBeforeFigure), 0, 'no worker before the first figure');
        await assertShownAfterFigure(page);
        const load = await page.evaluate(() => window.pcaExplorer.debug.timings().load);
        assert.ok(load.attached > load.firstPaint, `the worker was given the sample after the first paint (${JSON.stringify(load)})`);
        // The built-in sample's PCA was computed at build time (scripts/default-basis.mjs).
        assert.equal(await page.evaluate(() => window.pcaExplorer.debug.fitCount()), 0, 'no fit on load');
        assert.equal(await page.getAttribute('body', 'data-fit-count'), '0');
        assert.match(await page.textContent('#dataset-name'), /50 components fitted \(exact, at build time\)/);
        assert.match(await page.textContent('#dataset-name'), /fashion-mnist-sample\.npy.*1000 images of 28×28/);

        let snapshot = await h.figureSnapshot(page);
        assertPanels(snapshot, 'on load');
        assert.match(snapshot.title, new RegExp(`k = 0 of ${K} components`));
        assertMatches(snapshot, reference0, 0);

        // Play with the figure's own Play button, fast, and look at the panels while it plays.
        await page.evaluate(() => {
          const speed = document.getElementById('speed-input');
          speed.value = '20';
          speed.dispatchEvent(new Event('input', { bubbles: true }));
        });
        const playDuration = await page.evaluate(
          () => document.getElementById('figure')._fullLayout.updatemenus[0].buttons.find((b) => b.label === 'Play').args[1].frame.duration,
        );
        assert.equal(playDuration, 20, "the speed control sets the Play button's frame duration");
        const played = await h.playWatched(page, K, (s) => assertPanels(s, `while playing, at k = ${s.k}`));
        const { seen, paint: blink } = played;
        snapshot = played.snapshot;
        assert.equal(snapshot.k, K, 'played to the last frame');
        // The slider, added right after the first paint (figure-view.js), is there and followed play.
        const slider = await page.evaluate(() => {
          const [s] = document.getElementById('figure')._fullLayout.sliders;
          return s && { steps: s.steps.length, active: s.active };
        });
        assert.deepEqual(slider, { steps: K + 1, active: K }, 'the slider has a step per frame and shows the last');
        assert.ok(blink.ticks >= 10, `sampled ${blink.ticks} animation frames during play`);
        assert.equal(blink.blank, 0, `${blink.blank} of ${blink.ticks} painted frames had an empty image panel`);
        assert.equal(blink.extra, 0, `${blink.extra} of ${blink.ticks} painted frames had two pictures in one panel`);
        assert.ok(seen.size >= 3, `saw several frames while playing (${[...seen].join(', ')})`);
        await h.animationFrames(page, 12); // after the last one: nothing moves
        snapshot = await h.figureSnapshot(page);
        assertPanels(snapshot, 'after the last frame');
        assert.match(snapshot.title, new RegExp(`k = ${K} of ${K} components`));
        assertMatches(snapshot, reference0, K);

        // Keyboard: Home, →, →, End, Space.
        await page.locator('#figure').click({ position: { x: 5, y: 5 } });
        await page.keyboard.press('Home');
        await waitForK(page, 0);
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('ArrowRight');
        await waitForK(page, 2);
        assertMatches(await h.figureSnapshot(page), reference0, 2);
        for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
        await waitForK(page, 10);
        snapshot = await h.figureSnapshot(page);
        assertPanels(snapshot, 'at k = 10 (keyboard)');
        assertMatches(snapshot, reference0, 10);
        await page.keyboard.press('ArrowLeft');
        await waitForK(page, 9);
        await page.keyboard.press('End');
        await waitForK(page, K);
        await page.keyboard.press('Home');
        await waitForK(page, 0);
        await page.keyboard.press(' ');
        await page.waitForFunction(() => Number(document.body.dataset.frameK) > 0);
        await page.keyboard.press(' ');
        await page.waitForFunction(() => document.body.dataset.playing === 'false');
        const paused = await frameK(page);
        await h.animationFrames(page, 10);
        assert.equal(await frameK(page), paused, 'Space pauses');
        // Keys typed into an input do not move k.
        await page.focus('#k-input');
        await page.keyboard.press('Home');
        assert.equal(await frameK(page), paused, 'Home in an input is for the input');

        // Another sample: a new figure, no new fit.
        let version = await h.figureVersion(page);
        await page.click('#next-sample');
        await h.waitForFigure(page, version + 1);
        assert.equal(await page.inputValue('#sample-input'), '1');
        snapshot = await h.figureSnapshot(page);
        assertPanels(snapshot, 'sample 1');
        assertMatches(snapshot, reference1, 0);
        await page.locator('#figure').click({ position: { x: 5, y: 5 } });
        await page.keyboard.press('End');
        await waitForK(page, K);
        assertMatches(await h.figureSnapshot(page), reference1, K);
        // A thumbnail, then fewer components: still the one fit.
        version = await h.figureVersion(page);
        await page.evaluate(() => (window.__firstThumb = document.querySelector('#thumbs canvas')));
        await page.click('#thumbs button[data-index="5"]');
        await h.waitForFigure(page, version + 1);
        assert.equal(await page.inputValue('#sample-input'), '5');
        // The same strip: only its current sample moved (the pictures were not drawn again).
        assert.deepEqual(
          await page.evaluate(() => [...document.querySelectorAll('#thumbs button[aria-current="true"]')].map((b) => b.dataset.index)),
          ['5'],
        );
        assert.ok(await page.evaluate(() => document.querySelector('#thumbs canvas') === window.__firstThumb), 'the strip was kept');
        version = await h.figureVersion(page);
        await page.fill('#k-input', '20');
        await page.press('#k-input', 'Enter');
        await h.waitForFigure(page, version + 1);
        snapshot = await h.figureSnapshot(page);
        assert.match(snapshot.title, /Sample 5: k = 0 of 20 components/);
        assertPanels(snapshot, 'K = 20');
        assert.equal(await page.evaluate(() => window.pcaExplorer.debug.fitCount()), 0, 'sample and K changes did not refit');
        assert.equal(await page.getAttribute('body', 'data-fit-count'), '0');

        // The rest of the page: explained variance and eigen-images.
        assert.match(await page.textContent('#variance-summary'), /The first 20 of 784 components explain \d+\.\d% of the variance/);
        assert.equal(await page.locator('#eigen-gallery canvas').count(), 9, 'mean + 8 components');
        assert.equal(await page.locator('#thumbs canvas').count(), 24);

        await page.locator('#figure').click({ position: { x: 5, y: 5 } });
        await page.keyboard.press('End');
        await waitForK(page, 20);
        if (site === 1) await page.screenshot({ path: h.saveScreenshotPath('page-loaded.png') });

        // Hover names the pixel's row and column and the value shown there (signed in the residual).
        snapshot = await h.figureSnapshot(page);
        const panels = {
          xy: ['value', snapshot.original],
          x2y2: ['value', snapshot.reconstruction],
          x3y3: ['residual', snapshot.residual],
        };
        for (const [id, [word, z]] of Object.entries(panels)) {
          const { text } = await h.hoverPanel(page, id, 0.37, 0.55);
          const m = text.match(new RegExp(`^row (\\d+), column (\\d+)${word} (-?[\\d.]+(?:e[-+]?\\d+)?)$`));
          assert.ok(m, `${id} hover: ${JSON.stringify(text)}`);
          const [row, column, value] = [Number(m[1]), Number(m[2]), Number(m[3])];
          assert.deepEqual([Math.abs(row - 15) <= 1, Math.abs(column - 10) <= 1], [true, true], `${id}: hovered pixel (${row}, ${column})`);
          const shown = z[row][column];
          assert.ok(Math.abs(value - shown) <= 5e-4 * Math.abs(shown) + 1e-9, `${id}: hover says ${value}, the pixel is ${shown}`);
        }

        h.assertStayedLocal(session, name);
      } finally {
        await session.close();
      }
    });
  }

  test('the request recorder sees requests made by workers', async () => {
    // A page without our CSP whose blob worker tries the network: the recorder must catch it,
    // or the privacy checks above would prove nothing about the worker.
    const session = await h.openPage(browser, 'about:blank');
    try {
      await session.page.evaluate(async () => {
        const source = "fetch('http://example.invalid/from-worker').catch(() => {}).then(() => postMessage('done'));";
        const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
        await new Promise((resolve) => {
          worker.onmessage = resolve;
        });
      });
      const seen = session.forbiddenRequests().map((r) => r.url);
      assert.ok(seen.includes('http://example.invalid/from-worker'), `recorded: ${JSON.stringify(session.requests)}`);
    } finally {
      await session.close();
    }
  });
});
