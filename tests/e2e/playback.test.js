// Playback without plotly's full redraw (web/frame-painter.js): at the display's rate every frame
// is painted, in order, none skipped; plotly never replots the figure while it plays (a replot per
// frame is what made stock plotly slow); each painted frame is exactly what plotly itself draws
// for that frame (pictures, title, marker), and plotly's state follows (its calcdata holds the
// frame on screen, which hover reads); the frames stay plotly frames on their own axes.
/* global Plotly -- page.evaluate callbacks run in the page, where plotly.js is loaded */
'use strict';

const assert = require('node:assert/strict');
const { after, before, describe, test } = require('node:test');
const h = require('./helpers');

const K = 50;
let browser;
let sites;

before(async () => {
  browser = await h.launchBrowser();
  sites = await h.targets();
});

after(async () => {
  if (browser) await browser.close();
  if (sites) await sites.close();
});

// What the figure shows, read from the SVG: each image panel's pixels, the title, the marker's box.
async function onScreen(page) {
  const pictures = await h.renderedPictures(page);
  return page.evaluate((pics) => {
    const marker = document.querySelector('#figure .shapelayer path').getBoundingClientRect();
    return {
      pictures: Object.fromEntries(Object.entries(pics).map(([id, p]) => [id, p && { width: p.width, height: p.height, data: p.data }])),
      title: document.querySelector('#figure .g-gtitle .gtitle').textContent,
      marker: [marker.x, marker.y, marker.width, marker.height].map((v) => Math.round(v * 100) / 100),
    };
  }, pictures);
}

// Adds every text of the figure (titles, tick labels, colour bars, slider) where it stands, and
// its lines' paths.
async function withTexts(page, shown) {
  const more = await page.evaluate(() => ({
    texts: Array.from(document.querySelectorAll('#figure .main-svg text'), (t) => {
      const box = t.getBoundingClientRect();
      return `${t.textContent} @ ${Math.round(box.x)},${Math.round(box.y)}`;
    }),
    lines: Array.from(document.querySelectorAll('#figure .scatterlayer path.js-line'), (p) => p.getAttribute('d')),
  }));
  return Object.assign({}, shown, more);
}

// Sample `index` of the built-in dataset and its reconstruction from the first K components, as
// gray levels on 0..255 (the figure's colour range), by the module under node.
async function moduleSample(index) {
  const { startModule, withExplorer } = require('../node/module.js');
  const Module = await startModule();
  const bytes = require('node:fs').readFileSync(h.DEFAULT_DATASET);
  return withExplorer(Module, (ex) => {
    ex.beginFile(0, 0);
    ex.feed(bytes);
    ex.finishFile();
    ex.fit(0);
    const figure = JSON.parse(ex.figureJson({ sampleIndex: index, nComponents: K, step: 1, frameDurationMs: 0, binaryArrays: true }));
    const values = (spec) => new Float32Array(Uint8Array.from(Buffer.from(spec.bdata, 'base64')).buffer);
    const original = values(figure.data[0].z);
    const reconstruction = values(figure.frames[K].data[0].z).map((v) => Math.round(Math.max(0, Math.min(255, v))));
    return { original, reconstruction };
  });
}

// Plays from the first frame with the figure's Play button and notes, before every paint, the
// frame on screen (by its title) and whether plotly replotted (plotly_afterplot).
async function playCounted(page) {
  await page.evaluate(() => {
    const gd = document.getElementById('figure');
    const titles = gd._transitionData._frames.map((f) => f.layout.title.text);
    const watch = (window.__playWatch = { shown: [], replots: 0, done: false });
    gd.on('plotly_afterplot', () => watch.replots++);
    let last = document.querySelector('#figure .g-gtitle .gtitle').textContent;
    const tick = () => {
      const title = document.querySelector('#figure .g-gtitle .gtitle').textContent;
      if (title !== last) {
        watch.shown.push({ index: titles.indexOf(title), frameIndex: Number(document.body.dataset.frameIndex) });
        last = title;
      }
      if (document.body.dataset.playing === 'false' && watch.shown.length && titles.indexOf(title) === titles.length - 1) watch.done = true;
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.locator('#figure .updatemenu-button', { hasText: 'Play' }).click();
  await page.waitForFunction(() => window.__playWatch.done, null, { timeout: 60000 });
  return page.evaluate(() => window.__playWatch);
}

describe('playback', () => {
  test('every frame painted in order at the display rate, no replot, each frame as plotly draws it', async () => {
    const { url, name } = sites.list[0];
    const session = await h.openPage(browser, url);
    const { page } = session;
    try {
      await h.waitForFigure(page, 1);
      assert.equal(await page.evaluate(() => window.pcaExplorer.debug.view().painter.active), true, 'gray figure: painted');

      // The frames are plotly frames whose traces keep the axes of the traces they replace.
      const frames = await page.evaluate(() => {
        const gd = document.getElementById('figure');
        return gd._transitionData._frames.map((f) => f.data.map((t, i) => `${f.traces[i]}:${t.type}:${t.xaxis}${t.yaxis}`).join(' '));
      });
      assert.equal(frames.length, K + 1);
      assert.deepEqual([...new Set(frames)], ['1:heatmap:x2y2 2:heatmap:x3y3']);

      // The pictures travelled apart from the JSON, as binary: the original and two per frame.
      const sent = await page.evaluate(() => window.pcaExplorer.debug.timings().draw);
      const values = await page.evaluate(() => {
        const info = window.pcaExplorer.debug.state().dataset.info;
        return info.height * info.width * info.channels;
      });
      assert.equal(sent.imageBytes, 4 * values * (1 + 2 * (K + 1)), 'every picture as float32, transferred');
      assert.ok(sent.jsonBytes < sent.imageBytes / 2, `the JSON holds no picture (${sent.jsonBytes} bytes)`);

      // The fastest speed: each frame at the display's next refresh.
      await page.evaluate(() => {
        const speed = document.getElementById('speed-input');
        speed.value = speed.min;
        speed.dispatchEvent(new Event('input', { bubbles: true }));
      });
      assert.equal(await page.textContent('#speed-output'), '0 ms (display rate)');
      const playButton = await page.evaluate(
        () => document.getElementById('figure')._fullLayout.updatemenus[0].buttons.find((b) => b.label === 'Play').args[1].frame,
      );
      assert.deepEqual([playButton.duration, playButton.redraw], [0, false], 'Play: display rate, without the full redraw');

      await h.startPaintWatch(page);
      const watch = await playCounted(page);
      const paint = await h.stopPaintWatch(page);
      assert.deepEqual(
        watch.shown.map((s) => s.index),
        Array.from({ length: K }, (_, i) => i + 1),
        'frames 1..50 painted one after the other, none skipped, none twice',
      );
      assert.deepEqual(
        watch.shown.map((s) => s.frameIndex),
        watch.shown.map((s) => s.index),
        'data-frame-index names the frame painted',
      );
      assert.equal(watch.replots, 0, 'plotly never replotted the figure while it played');
      assert.equal(paint.blank + paint.extra, 0, `one picture per panel on every painted frame (${JSON.stringify(paint)})`);

      // The last frame as painted, then as plotly draws it from its own state: the same.
      const painted = await onScreen(page);
      const state = await page.evaluate(() => {
        const gd = document.getElementById('figure');
        const last = gd._transitionData._frameHash[String(gd._transitionData._frames.length - 1)];
        const rows = (z) => Array.from(z, (r) => Array.from(r));
        return {
          calc: [rows(gd.calcdata[1][0].z), rows(gd.calcdata[2][0].z)],
          frame: [rows(last.data[0].z), rows(last.data[1].z)],
          ownRows: [0, 1, 2].map((i) => gd.calcdata[i][0].z === gd.data[i].z),
          markerK: gd._fullLayout.shapes[0].xanchor,
        };
      });
      assert.deepEqual(state.calc, state.frame, "plotly's calcdata holds the frame painted (hover reads it)");
      // ... as the pictures' own rows: plotly's calc did not copy them value by value on every
      // frame (heatmap-calc.js); the pixels below show that plotly draws them as ever.
      assert.deepEqual(state.ownRows, [true, true, true], "each heatmap's calcdata z is its picture's rows");
      assert.equal(state.markerK, K);
      await page.evaluate(() => Plotly.redraw('figure'));
      const drawn = await onScreen(page);
      assert.match(painted.title, new RegExp(`k = ${K} of ${K} components`));
      assert.equal(painted.title, drawn.title);
      assert.deepEqual(painted.marker, drawn.marker, 'the marker where plotly draws it');
      for (const id of ['xy', 'x2y2', 'x3y3']) assert.deepEqual(painted.pictures[id], drawn.pictures[id], `${id}: the pixels plotly draws`);

      // A frame in the middle, painted after plotly's own drawing of another one.
      await page.evaluate(() =>
        Plotly.animate('figure', ['17'], { mode: 'immediate', frame: { duration: 0, redraw: false }, transition: { duration: 0 } }),
      );
      const middle = await onScreen(page);
      await page.evaluate(() => Plotly.redraw('figure'));
      const middleDrawn = await onScreen(page);
      assert.match(middle.title, /k = 17 of/);
      assert.deepEqual(middle, middleDrawn, 'frame 17 painted as plotly draws it');
      assert.notDeepEqual(middle.pictures.x2y2, painted.pictures.x2y2, 'and it is another picture than frame 50');

      // A change of sample swaps the new figure in (figure-swap.js), not redrawn by Plotly.react:
      // what it shows is what plotly draws of the new figure, and play plays the new frames only.
      const swaps = await page.evaluate(() => window.pcaExplorer.debug.view().swaps);
      // The next sample's figure was asked for while the page was idle (figures-ahead.js): the
      // change draws it, and the checks below hold of it.
      await page.waitForFunction(() => window.pcaExplorer.debug.figuresAhead().pending === 0);
      const version = await h.figureVersion(page);
      await h.startPaintWatch(page);
      await page.click('#next-sample');
      await h.waitForFigure(page, version + 1);
      const swapPaint = await h.stopPaintWatch(page);
      assert.equal(swapPaint.blank + swapPaint.extra, 0, `one picture per panel while swapping (${JSON.stringify(swapPaint)})`);
      assert.equal(await page.evaluate(() => window.pcaExplorer.debug.view().swaps), swaps + 1, 'swapped in');
      assert.equal(await page.evaluate(() => window.pcaExplorer.debug.timings().figure.askedAhead), true, 'its figure asked for ahead');
      const swapped = await withTexts(page, await onScreen(page));
      assert.match(swapped.title, /^Sample 1: k = 0 of 50 components/);
      assert.deepEqual(
        await page.evaluate(() => {
          const gd = document.getElementById('figure');
          return [gd.layout.sliders[0].active, gd._fullLayout.sliders[0].active, document.body.dataset.frameIndex];
        }),
        [0, 0, '0'],
        'the slider at the frame shown (it was at 17)',
      );
      const stepDurations = await page.evaluate(() =>
        document.getElementById('figure')._fullLayout.sliders[0].steps.map((step) => step.args[1].frame.duration),
      );
      assert.deepEqual(new Set(stepDurations), new Set([0]), "the slider's steps at the speed chosen, as the new figure's");
      await page.evaluate(() => Plotly.redraw('figure'));
      assert.deepEqual(swapped, await withTexts(page, await onScreen(page)), 'the swapped figure as plotly draws it');
      // A swap that moves no axis range and no colour bar (the figure on screen, swapped in
      // again): its line frame makes plotly drop the heatmaps' drawings, which must come back.
      await h.startPaintWatch(page);
      const sameSwap = await page.evaluate(async () => {
        const gd = document.getElementById('figure');
        const view = window.pcaExplorer.debug.view();
        const before = view.swaps;
        const figure = structuredClone({ data: gd.data, layout: gd.layout, frames: gd._transitionData._frames });
        await view.draw(figure, { frameDurationMs: view.frameDurationMs });
        return {
          swapped: view.swaps - before,
          images: ['xy', 'x2y2', 'x3y3'].map((id) => gd.querySelectorAll(`.subplot.${id} image`).length),
        };
      });
      await h.animationFrames(page, 2);
      const samePaint = await h.stopPaintWatch(page);
      assert.deepEqual(sameSwap, { swapped: 1, images: [1, 1, 1] }, 'swapped in, each heatmap drawn');
      assert.equal(samePaint.blank + samePaint.extra, 0, `one picture per panel (${JSON.stringify(samePaint)})`);
      assert.deepEqual(await withTexts(page, await onScreen(page)), swapped, 'the same figure on screen');
      const again = await playCounted(page);
      assert.deepEqual(
        again.shown.map((s) => s.index),
        Array.from({ length: K }, (_, i) => i + 1),
        "sample 1's frames 1..50 painted in order, none of sample 0's",
      );
      // Its last frame, pixel for pixel: the original is sample 1's bytes, the reconstruction the
      // module's (fitted here in node; the page's two workers sum in another order: within 1).
      const last = (await onScreen(page)).pictures;
      const expected = await moduleSample(1);
      const gray = (p) => p.data.filter((_, i) => i % 4 === 0);
      assert.deepEqual(gray(last.xy), Array.from(expected.original), 'the original: sample 1');
      const off = gray(last.x2y2).map((v, i) => Math.abs(v - expected.reconstruction[i]));
      assert.ok(Math.max(...off) <= 1, `the reconstruction at k = 50: the module's (off by up to ${Math.max(...off)})`);

      // A large figure comes in two parts (figure-controller.js; the threshold lowered here to
      // this figure's size): its first frame and the original, swapped in at once, then its other
      // frames. Play pressed in between (as the new figure is shown) waits for them, then plays
      // the new sample's frames in order, each panel with one picture throughout.
      await page.evaluate(() => window.pcaExplorer.debug.setFirstFrameFirstAboveBytes(0));
      const partsVersion = await h.figureVersion(page);
      await page.evaluate(() => {
        const gd = document.getElementById('figure');
        const view = window.pcaExplorer.debug.view();
        const title = () => document.querySelector('#figure .g-gtitle .gtitle').textContent;
        const watch = (window.__partsWatch = { titles: [], first: null, done: false });
        let last = title();
        const observer = new MutationObserver(() => {
          observer.disconnect();
          watch.first = { framesToCome: view.framesToCome, frames: gd._transitionData._frames.length, count: view.count, title: title() };
          const play = Array.from(gd.querySelectorAll('.updatemenu-button')).find((b) => b.textContent === 'Play');
          play.dispatchEvent(new MouseEvent('click', { bubbles: true }));
          watch.first.playing = document.body.dataset.playing;
        });
        observer.observe(document.body, { attributes: true, attributeFilter: ['data-figure-version'] });
        const tick = () => {
          if (title() !== last) watch.titles.push((last = title()));
          const frames = gd._transitionData._frames;
          if (
            watch.first &&
            !view.framesToCome &&
            document.body.dataset.playing === 'false' &&
            last === frames[frames.length - 1].layout.title.text
          )
            watch.done = true;
          else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      await h.startPaintWatch(page);
      await page.click('#next-sample');
      await page.waitForFunction(() => window.__partsWatch.done, null, { timeout: 60000 });
      const partsPaint = await h.stopPaintWatch(page);
      const parts = await page.evaluate(() => {
        const gd = document.getElementById('figure');
        return {
          watch: window.__partsWatch,
          titles: gd._transitionData._frames.map((f) => f.layout.title.text),
          frames: gd._transitionData._frames.map((f) => f.data.map((t, i) => `${f.traces[i]}:${t.type}:${t.xaxis}${t.yaxis}`).join(' ')),
          sent: window.pcaExplorer.debug.timings().draw.imageBytes,
        };
      });
      assert.equal(await h.figureVersion(page), partsVersion + 1, 'one figure drawn');
      assert.deepEqual(
        parts.watch.first,
        { framesToCome: true, frames: 1, count: K + 1, title: parts.titles[0], playing: 'true' },
        "shown with its first frame alone (the slider's 51 steps), play waiting",
      );
      assert.equal(parts.sent, 4 * values * 3, 'the first part: the original and the first frame, as float32');
      assert.match(parts.titles[0], /^Sample 2: k = 0 of 50 components/);
      assert.deepEqual(parts.frames, Array(K + 1).fill('1:heatmap:x2y2 2:heatmap:x3y3'), 'every frame came, on its axes');
      assert.deepEqual(
        parts.watch.titles.map((title) => parts.titles.indexOf(title)),
        Array.from({ length: K + 1 }, (_, i) => i),
        "sample 2's frame 0, then, once the others came, 1..50 painted in order",
      );
      assert.equal(partsPaint.blank + partsPaint.extra, 0, `one picture per panel throughout (${JSON.stringify(partsPaint)})`);
      // Steps asked for in between (two steps of 3, as keys make them) wait too, then land on k = 6.
      const stepVersion = await h.figureVersion(page);
      await page.evaluate(() => {
        const view = window.pcaExplorer.debug.view();
        const watch = (window.__stepWatch = { during: null });
        const observer = new MutationObserver(() => {
          observer.disconnect();
          view.step(3);
          view.step(3);
          watch.during = { framesToCome: view.framesToCome, index: view.index, frameIndex: document.body.dataset.frameIndex };
        });
        observer.observe(document.body, { attributes: true, attributeFilter: ['data-figure-version'] });
      });
      await page.click('#next-sample');
      await page.waitForFunction(
        () =>
          !window.pcaExplorer.debug.view().framesToCome &&
          document.body.dataset.frameIndex === '6' &&
          document.body.dataset.busy === 'false',
        null,
        { timeout: 60000 },
      );
      assert.equal(await h.figureVersion(page), stepVersion + 1);
      assert.deepEqual(
        await page.evaluate(() => window.__stepWatch.during),
        { framesToCome: true, index: 0, frameIndex: '0' },
        'the steps waited',
      );
      assert.match((await onScreen(page)).title, /^Sample 3: k = 6 of 50 components/);
      await page.evaluate(() => window.pcaExplorer.debug.setFirstFrameFirstAboveBytes(8 << 20));

      h.assertStayedLocal(session, name);
    } finally {
      await session.close();
    }
  });

  // A change of K swaps the new figure in too (figure-swap.js): a frame fewer or more, the
  // slider's steps and the distortion axis with them. What it shows is what a page opened at that
  // K draws, and play plays the new figure's frames, in order.
  test('a change of K swaps the figure in: as drawn afresh at that K, its frames played in order', async () => {
    const { url, name } = sites.list[0];
    // At the display rate (speed=0), so that the two plays below are quick.
    const session = await h.openPage(browser, `${url}#speed=0`);
    const { page } = session;
    const setK = async (k) => {
      await page.waitForFunction(() => window.pcaExplorer.debug.figuresAhead().pending === 0);
      const version = await h.figureVersion(page);
      const swaps = await page.evaluate(() => window.pcaExplorer.debug.view().swaps);
      const measured = await page.evaluate(() => Number(document.body.dataset.distortionsVersion || 0));
      await h.startPaintWatch(page);
      await page.evaluate((value) => {
        const input = document.getElementById('k-input');
        input.value = String(value);
        input.dispatchEvent(new Event('change', { bubbles: true }));
      }, k);
      await h.waitForFigure(page, version + 1);
      await h.animationFrames(page, 2);
      const paint = await h.stopPaintWatch(page);
      assert.equal(paint.blank + paint.extra, 0, `K = ${k}: one picture per panel while swapping (${JSON.stringify(paint)})`);
      assert.equal(await page.evaluate(() => window.pcaExplorer.debug.view().swaps), swaps + 1, `K = ${k}: swapped in`);
      assert.equal(await page.evaluate(() => window.pcaExplorer.debug.timings().figure.askedAhead), true, `K = ${k}: asked for ahead`);
      // The dataset's distortions at the new K (the worst images; the mean curve the figure drew
      // from the one measured at K = 50).
      await page.waitForFunction((v) => Number(document.body.dataset.distortionsVersion || 0) > v, measured, { timeout: 60000 });
      return page.evaluate(() => {
        const gd = document.getElementById('figure');
        return {
          frames: gd._transitionData._frames.map(
            (f) => `${f.name} ${f.data.map((t, i) => `${f.traces[i]}:${t.type}:${t.xaxis}${t.yaxis}`).join(' ')}`,
          ),
          steps: gd._fullLayout.sliders[0].steps.map((step) => step.label),
          slider: [
            gd.layout.sliders[0].active,
            gd._fullLayout.sliders[0].active,
            document.body.dataset.frameIndex,
            document.body.dataset.frameK,
          ],
        };
      });
    };
    const fresh = async (k) => {
      const other = await h.openPage(browser, `${url}#k=${k}&speed=0`);
      try {
        await h.waitForFigure(other.page, 1);
        await other.page.waitForFunction(() => Number(document.body.dataset.distortionsVersion || 0) > 0, null, { timeout: 60000 });
        await h.animationFrames(other.page, 2);
        return await withTexts(other.page, await onScreen(other.page));
      } finally {
        await other.close();
      }
    };
    try {
      await h.waitForFigure(page, 1);
      await page.waitForFunction(() => Number(document.body.dataset.distortionsVersion || 0) > 0, null, { timeout: 60000 });
      await page.evaluate(() => window.pcaExplorer.debug.view().goTo(17));
      await page.waitForFunction(() => document.body.dataset.frameIndex === '17');
      for (const k of [K - 1, K]) {
        const swapped = await setK(k);
        assert.deepEqual(
          swapped.frames,
          Array.from({ length: k + 1 }, (_, i) => `${i} 1:heatmap:x2y2 2:heatmap:x3y3`),
          `K = ${k}: frames 0..${k}, on their axes`,
        );
        assert.deepEqual(
          swapped.steps,
          Array.from({ length: k + 1 }, (_, i) => String(i)),
          `K = ${k}: a slider step per frame`,
        );
        assert.deepEqual(swapped.slider, [0, 0, '0', '0'], `K = ${k}: the slider and the page at the first frame`);
        const shown = await withTexts(page, await onScreen(page));
        assert.match(shown.title, new RegExp(`^Sample 0: k = 0 of ${k} components`));
        assert.deepEqual(shown, await fresh(k), `K = ${k}: as a page opened at K = ${k} draws it`);
        const played = await playCounted(page);
        assert.deepEqual(
          played.shown.map((s) => s.index),
          Array.from({ length: k }, (_, i) => i + 1),
          `K = ${k}: frames 1..${k} painted in order`,
        );
        assert.match((await onScreen(page)).title, new RegExp(`k = ${k} of ${k} components`));
      }
      h.assertStayedLocal(session, name);
    } finally {
      await session.close();
    }
  });
});
