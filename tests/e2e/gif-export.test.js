// Download GIF (web/page/export.js): the whole animation as an animated GIF, made in the page. Pillow
// reads the downloaded file: one GIF frame per animation frame, each shown for the speed chosen,
// at the figure's size, looping; the original panel stays while the reconstruction panel changes.
// While it is made, a progress bar counts the frames, the page keeps painting, and the figure on
// screen does not move; Cancel (button or Escape) stops it with no download. No request leaves the
// machine. From file:// and from http.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { after, before, describe, test } = require('node:test');
const h = require('./helpers');

const PYTHON = '/usr/bin/python3'; // Debian's, with python3-pil
const K = 50; // the page's default number of components
const STEP = 5; // frames k = 0, 5, ..., 50
const FRAMES = K / STEP + 1;
const SPEED_MS = 50;

// Reads a GIF with Pillow: argv[1] the file, argv[2] JSON {original, reconstruction} panel boxes
// [left, top, width, height] in figure pixels. Prints what the tests check.
const PILLOW_CHECK = String.raw`
import json, sys
from PIL import Image, ImageChops, ImageStat
gif = Image.open(sys.argv[1])
boxes = json.loads(sys.argv[2])
frames, durations = [], []
for i in range(gif.n_frames):
    gif.seek(i)
    durations.append(gif.info.get("duration"))
    frames.append(gif.convert("L"))
def crop(image, box):
    left, top, width, height = box
    # a few pixels inside the panel: its edge is antialiased
    return image.crop((left + 2, top + 2, left + width - 2, top + height - 2))
def mean_diff(a, b, box):
    return ImageStat.Stat(ImageChops.difference(crop(a, box), crop(b, box))).mean[0]
print(json.dumps({
    "format": gif.format,
    "size": list(gif.size),
    "frames": gif.n_frames,
    "durations": durations,
    "loop": gif.info.get("loop"),
    "reconstructionFirstLast": mean_diff(frames[0], frames[-1], boxes["reconstruction"]),
    "reconstructionSteps": [mean_diff(a, b, boxes["reconstruction"]) for a, b in zip(frames, frames[1:])],
    "originalMax": max(mean_diff(frames[0], f, boxes["original"]) for f in frames),
    "reconstructionStd": ImageStat.Stat(crop(frames[-1], boxes["reconstruction"])).stddev[0],
}))
`;

let browser;
let sites;
let dir;

before(async () => {
  browser = await h.launchBrowser();
  sites = await h.targets();
  dir = h.tempDir('pcarecon-gif-');
});

after(async () => {
  if (browser) await browser.close();
  if (sites) await sites.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function setControl(page, selector, value, event) {
  await page.evaluate(
    ({ selector, value, event }) => {
      const input = document.querySelector(selector);
      input.value = String(value);
      input.dispatchEvent(new Event(event, { bubbles: true }));
    },
    { selector, value, event },
  );
}

// Where the original and reconstruction images are drawn in the figure, in its pixels.
async function panelBoxes(page) {
  return page.evaluate(() => {
    const layout = document.getElementById('figure')._fullLayout;
    const box = (x, y) => [x._offset, y._offset, x._length, y._length].map(Math.round);
    return { original: box(layout.xaxis, layout.yaxis), reconstruction: box(layout.xaxis2, layout.yaxis2) };
  });
}

// Watches, on every animation frame, the frame and figure on screen, and which GIF frames the
// progress label showed at the paints (the page must stay responsive while the GIF is made: paints
// come between the frames it encodes, not only before and after); the longest gap between two
// paints is kept for the messages (a time, so no test asserts on it: a busy machine stretches it).
async function startWatch(page) {
  await page.evaluate(() => {
    const gd = document.getElementById('figure');
    const look = () => `${document.body.dataset.frameIndex}|${document.body.dataset.figureVersion}|${gd._fullLayout.title.text}`;
    const watch = (window.__gifWatch = { first: look(), changes: [], progress: [], maxGapMs: 0, ticks: 0, running: true });
    const label = document.getElementById('gif-progress-label');
    let last = performance.now();
    const tick = (now) => {
      watch.ticks++;
      watch.maxGapMs = Math.max(watch.maxGapMs, now - last);
      last = now;
      const seen = look();
      if (seen !== watch.first && !watch.changes.includes(seen)) watch.changes.push(seen);
      const progress = /frame (\d+) of/.exec(label.textContent);
      if (progress && !watch.progress.includes(progress[1])) watch.progress.push(progress[1]);
      if (watch.running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

async function stopWatch(page) {
  return page.evaluate(() => {
    window.__gifWatch.running = false;
    return window.__gifWatch;
  });
}

// A fresh page with the default dataset drawn at K = 50, the given frame step and speed.
async function openWithFigure(site, { step, speed }) {
  const session = await h.openPage(browser, sites.list[site].url);
  const { page } = session;
  await h.waitForFigure(page, 1);
  if (step !== 1) {
    await setControl(page, '#step-input', step, 'change');
    await h.waitForFigure(page, 2);
  }
  await setControl(page, '#speed-input', speed, 'input');
  const downloads = [];
  page.on('download', (download) => downloads.push(download.suggestedFilename()));
  return { session, page, downloads };
}

describe('Download GIF', () => {
  for (const site of [0, 1]) {
    const where = site ? 'http' : 'file';

    test(`the whole animation, at the speed shown, read back by Pillow (${where})`, async () => {
      const { session, page } = await openWithFigure(site, { step: STEP, speed: SPEED_MS });
      try {
        assert.equal(await page.evaluate(() => window.pcaExplorer.debug.view().count), FRAMES, 'animation frames');
        // Show a middle frame: the export must neither start from it nor move it.
        await page.locator('#figure').click({ position: { x: 5, y: 5 } });
        await page.keyboard.press('ArrowRight');
        await page.keyboard.press('ArrowRight');
        await page.waitForFunction(() => document.body.dataset.frameIndex === '2' && document.body.dataset.frameK === '10');
        const gifenc = () => session.requests.filter((r) => r.url.endsWith('/vendor/gifenc.js'));
        assert.deepEqual(gifenc(), [], 'the GIF encoder is not loaded up front');

        await startWatch(page);
        await page.focus('#export-gif');
        const [download] = await Promise.all([
          page.waitForEvent('download', { timeout: 120000 }),
          page.keyboard.press('Enter'),
          // The progress bar shows, counting frames.
          page.waitForFunction(
            (n) =>
              !document.getElementById('gif-progress').hidden &&
              /^Making the GIF: frame \d+ of (\d+)$/.test(document.getElementById('gif-progress-label').textContent) &&
              document.getElementById('gif-progress-bar').max === n,
            FRAMES,
            { timeout: 60000 },
          ),
        ]);
        await page.waitForSelector('#gif-progress', { state: 'hidden' });
        const watch = await stopWatch(page);
        assert.equal(download.suggestedFilename(), 'pca-reconstruction-fashion-mnist-sample-sample-0-k-50.gif');
        const file = path.join(dir, `${where}-${download.suggestedFilename()}`);
        await download.saveAs(file);
        assert.ok(gifenc().length >= 1, 'vendor/gifenc.js loaded for the export');

        // The figure on screen stayed on its frame, and the page kept painting.
        assert.deepEqual(watch.changes, [], 'the figure on screen did not change during the export');
        assert.equal(await page.getAttribute('body', 'data-frame-index'), '2');
        assert.ok(watch.ticks > 10, `the page painted ${watch.ticks} times during the export`);
        assert.ok(
          watch.progress.length >= 3,
          `paints while the GIF was made showed frames ${watch.progress.join(', ')} only (longest pause ${watch.maxGapMs.toFixed(0)} ms)`,
        );

        const size = await page.evaluate(() => {
          const r = document.getElementById('figure').getBoundingClientRect();
          return [Math.round(r.width), Math.round(r.height)];
        });
        const boxes = await panelBoxes(page);
        const gif = JSON.parse(execFileSync(PYTHON, ['-c', PILLOW_CHECK, file, JSON.stringify(boxes)]).toString());
        assert.equal(gif.format, 'GIF');
        assert.equal(gif.frames, FRAMES, 'one GIF frame per animation frame');
        assert.deepEqual(gif.durations, new Array(FRAMES).fill(SPEED_MS), 'each frame shown for the speed chosen');
        assert.equal(gif.loop, 0, 'loops forever');
        assert.ok(
          Math.abs(gif.size[0] - size[0]) <= 4 && Math.abs(gif.size[1] - size[1]) <= 4,
          `GIF ${gif.size.join('×')} is the figure's size ${size.join('×')}`,
        );
        // The original stays; the reconstruction is the mean at k = 0 and the image's at k = 50.
        assert.ok(gif.originalMax < 2, `the original panel stays the same (mean difference ${gif.originalMax})`);
        assert.ok(gif.reconstructionFirstLast > 10, `the reconstruction at k = 0 and k = 50 differ (${gif.reconstructionFirstLast})`);
        assert.ok(
          gif.reconstructionSteps.every((d) => d > 0.5),
          `every frame moves the reconstruction: ${gif.reconstructionSteps}`,
        );
        assert.ok(gif.reconstructionStd > 10, 'the reconstruction panel holds an image, not a flat colour');

        assert.equal(await page.isHidden('#error'), true, 'no error shown');
        h.assertStayedLocal(session, where);
      } finally {
        await session.close();
      }
    });

    test(`Cancel (${site ? 'the button' : 'Escape'}) stops the export with no download (${where})`, async () => {
      const { session, page, downloads } = await openWithFigure(site, { step: 1, speed: 100 });
      try {
        await page.click('#export-gif');
        await page.waitForFunction(
          () => {
            const match = /frame (\d+) of 51$/.exec(document.getElementById('gif-progress-label').textContent);
            return match && Number(match[1]) >= 2;
          },
          null,
          { timeout: 60000 },
        );
        if (site) await page.click('#gif-cancel');
        else await page.keyboard.press('Escape');
        await page.waitForSelector('#gif-progress', { state: 'hidden', timeout: 10000 });
        assert.match(await page.textContent('#notice'), /GIF export cancelled/);
        assert.equal(await page.isHidden('#error'), true, 'a cancel is not an error');
        assert.equal(await page.evaluate(() => document.activeElement.id), 'export-gif', 'the focus goes back to the button');
        assert.deepEqual(downloads, [], 'no download after Cancel');

        // The next export runs in full.
        await setControl(page, '#step-input', 25, 'change');
        await h.waitForFigure(page, 2);
        const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.click('#export-gif')]);
        assert.equal(download.suggestedFilename(), 'pca-reconstruction-fashion-mnist-sample-sample-0-k-50.gif');
        // The cancelled export started first: had it gone on, its download would have come first.
        assert.deepEqual(downloads, [download.suggestedFilename()], 'one download: the cancelled export made none');
        const file = path.join(dir, `cancel-${where}.gif`);
        await download.saveAs(file);
        const boxes = await panelBoxes(page);
        const gif = JSON.parse(execFileSync(PYTHON, ['-c', PILLOW_CHECK, file, JSON.stringify(boxes)]).toString());
        assert.equal(gif.frames, 3, 'k = 0, 25, 50');
        assert.deepEqual(gif.durations, [100, 100, 100]);
        h.assertStayedLocal(session, where);
      } finally {
        await session.close();
      }
    });
  }
});
