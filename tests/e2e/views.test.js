// The view options of issue #14 on the real page, one page for the whole file (each page load
// costs seconds): colour maps driven by the module -- opened from a link (#colormap=viridis), chosen
// with the controls, kept in the hash, followed by the play painter and by the JSON, HTML and GIF
// downloads --, the scale fixed or per frame, percentile clipping.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { after, before, describe, test } = require('node:test');
const h = require('./helpers');

const PYTHON = '/usr/bin/python3'; // Debian's, with python3-pil
const VIRIDIS_FIRST = '#440154';
const MAGMA_FIRST = '#000004';
const PURPLE_ORANGE_FIRST = '#2d004b';

// The share of a GIF frame's panel whose pixels are clearly coloured (not grey): argv[1] the GIF,
// argv[2] the panel box [left, top, width, height], argv[3] the frame.
const GIF_COLOURFUL = String.raw`
import json, sys
from PIL import Image
gif = Image.open(sys.argv[1])
gif.seek(int(sys.argv[3]))
left, top, width, height = json.loads(sys.argv[2])
panel = gif.convert("RGB").crop((left + 2, top + 2, left + width - 2, top + height - 2))
pixels = list(panel.getdata())
print(sum(1 for p in pixels if max(p) - min(p) > 30) / len(pixels))
`;

let browser;
let session;
let page;
let dir;
const started = Date.now();

before(async () => {
  browser = await h.launchBrowser();
  dir = h.tempDir('pcarecon-views-');
  session = await h.openFilePage(browser, '#colormap=viridis&step=25');
  page = session.page;
});

after(async () => {
  if (session) h.assertStayedLocal(session, 'views');
  if (browser) await browser.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  console.log(`# views.test.js: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

// The figure on screen: base traces' colour scales and ranges, the frames' ranges.
function figureColours() {
  return page.evaluate(() => {
    const gd = document.getElementById('figure');
    const frames = gd._transitionData._frames;
    return {
      scales: gd.data.slice(0, 3).map((t) => ({ first: t.colorscale[0][1], stops: t.colorscale.length })),
      ranges: gd.data.slice(0, 3).map((t) => [t.zmin, t.zmax]),
      frameHighs: frames.map((f) => f.data[0].zmax),
      painted: window.pcaExplorer.debug.view().painter.active,
    };
  });
}

async function choose(selector, value) {
  const version = await h.figureVersion(page);
  await page.selectOption(selector, value);
  await h.waitForFigure(page, version + 1);
}

async function downloadBy(action) {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), action()]);
  const file = path.join(dir, download.suggestedFilename());
  await download.saveAs(file);
  return file;
}

describe('colour maps', () => {
  test('#colormap=viridis opens with viridis images, and the painter plays them', async () => {
    assert.equal(await page.inputValue('#colormap-select'), 'viridis');
    const colours = await figureColours();
    assert.deepEqual(colours.scales[0], { first: VIRIDIS_FIRST, stops: 256 });
    assert.deepEqual(colours.scales[1], { first: VIRIDIS_FIRST, stops: 256 });
    assert.equal(colours.scales[2].first, '#2166ac', 'the residual keeps red-blue');
    assert.ok(colours.painted, 'fixed scale: play paints the frames itself');
    // Play to the end: the last frame is the painter's picture, which must be plotly's own.
    await page.locator('#figure .updatemenu-button', { hasText: 'Play' }).click();
    await page.waitForFunction(() => document.body.dataset.playing === 'false' && document.body.dataset.frameK === '50');
    const painted = (await h.renderedPictures(page)).x2y2;
    assert.ok(painted.redNotGreen > 0.9 * painted.width * painted.height, 'the painted reconstruction is in colour');
    await page.evaluate(() => window.Plotly.redraw(document.getElementById('figure')));
    const drawn = (await h.renderedPictures(page)).x2y2;
    assert.deepEqual(painted.data, drawn.data, "the painter's picture is plotly's, pixel for pixel");
  });

  test('the controls change the maps, the scale and clipping, and the hash keeps them', async () => {
    await choose('#colormap-select', 'magma');
    await choose('#residual-select', 'purple-orange');
    let colours = await figureColours();
    assert.equal(colours.scales[1].first, MAGMA_FIRST);
    assert.equal(colours.scales[2].first, PURPLE_ORANGE_FIRST);
    assert.match(await page.evaluate(() => location.hash), /colormap=magma&residual=purple-orange/);
    const unclipped = colours.ranges[1];

    await choose('#clip-select', '1');
    colours = await figureColours();
    assert.ok(colours.ranges[1][1] < unclipped[1], `1-99 % is narrower: ${colours.ranges[1]} in ${unclipped}`);
    assert.equal(new Set(colours.frameHighs).size, 1, 'fixed: one range for every frame');
    assert.ok(colours.painted);

    await choose('#scale-select', 'frame');
    colours = await figureColours();
    assert.ok(new Set(colours.frameHighs).size > 1, `each frame its own range: ${colours.frameHighs}`);
    assert.equal(colours.painted, false, 'per-frame ranges: plotly redraws each frame (and its colour bar)');
    assert.match(await page.evaluate(() => location.hash), /colormap=magma&residual=purple-orange&scale=frame&clip=1/);

    // Editing the hash changes the view too.
    const version = await h.figureVersion(page);
    await page.evaluate(() => (location.hash = location.hash.replace('colormap=magma', 'colormap=cividis')));
    await h.waitForFigure(page, version + 1);
    assert.equal(await page.inputValue('#colormap-select'), 'cividis');
    assert.equal((await figureColours()).scales[0].first, '#00224e');
  });

  test('the JSON, HTML and GIF downloads show the chosen maps', async () => {
    await choose('#scale-select', 'fixed');
    const json = JSON.parse(fs.readFileSync(await downloadBy(() => page.click('#export-json')), 'utf8'));
    assert.equal(json.data[1].colorscale[0][1], '#00224e', 'JSON: cividis');
    assert.equal(json.data[2].colorscale[0][1], PURPLE_ORANGE_FIRST);
    const shown = (await figureColours()).ranges[1];
    assert.deepEqual([json.data[1].zmin, json.data[1].zmax], shown, 'JSON: the clipped range on screen');

    const html = fs.readFileSync(await downloadBy(() => page.click('#export-html')), 'utf8');
    assert.ok(html.includes('"#00224e"') && html.includes(`"${PURPLE_ORANGE_FIRST}"`), 'HTML: cividis and purple-orange');

    const box = await page.evaluate(() => {
      const layout = document.getElementById('figure')._fullLayout;
      return [layout.xaxis._offset, layout.yaxis._offset, layout.xaxis._length, layout.yaxis._length].map(Math.round);
    });
    const gif = await downloadBy(() => page.click('#export-gif'));
    const colourful = Number(execFileSync(PYTHON, ['-c', GIF_COLOURFUL, gif, JSON.stringify(box), '0']).toString());
    assert.ok(colourful > 0.5, `GIF: the original panel is in cividis colours (${colourful} of its pixels coloured)`);
  });
});

describe('dark mode', () => {
  // The theme in force on the page and in both charts.
  function themeShown() {
    return page.evaluate(() => ({
      theme: document.documentElement.dataset.theme,
      background: getComputedStyle(document.documentElement).backgroundColor,
      figurePaper: document.getElementById('figure')._fullLayout.paper_bgcolor,
      figureInk: document.getElementById('figure')._fullLayout.font.color,
      chartPaper: document.getElementById('variance-chart')._fullLayout.paper_bgcolor,
      switchOn: document.getElementById('theme-switch').getAttribute('aria-checked'),
      hash: location.hash,
    }));
  }
  const DARK = {
    theme: 'dark',
    background: 'rgb(17, 20, 24)',
    figurePaper: '#1a1f27',
    figureInk: '#e4e8ef',
    chartPaper: '#1a1f27',
    switchOn: 'true',
  };
  const LIGHT = {
    theme: 'light',
    background: 'rgb(246, 247, 249)',
    figurePaper: '#fff',
    figureInk: '#444',
    chartPaper: '#fff',
    switchOn: 'false',
  };
  const without = (shown, key) => Object.fromEntries(Object.entries(shown).filter(([k]) => k !== key));

  test('follows prefers-color-scheme, page and figures, also for a new figure', async () => {
    assert.deepEqual(without(await themeShown(), 'hash'), LIGHT);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    assert.deepEqual(without(await themeShown(), 'hash'), DARK);
    await choose('#colormap-select', 'grey'); // a new figure is drawn dark too
    assert.deepEqual(without(await themeShown(), 'hash'), DARK);
    assert.doesNotMatch((await themeShown()).hash, /theme=/, 'following the system writes no theme');
  });

  test('the switch overrides the system, and the hash keeps the choice', async () => {
    await page.click('#theme-switch');
    let shown = await themeShown();
    assert.deepEqual(without(shown, 'hash'), LIGHT);
    assert.match(shown.hash, /theme=light/);
    await page.evaluate(() => (location.hash = location.hash.replace('theme=light', 'theme=dark')));
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await page.emulateMedia({ colorScheme: 'light' });
    shown = await themeShown();
    assert.deepEqual(without(shown, 'hash'), DARK, 'chosen dark stays dark on a light system');
    await page.click('#theme-switch');
    assert.deepEqual(without(await themeShown(), 'hash'), LIGHT);
  });
});
