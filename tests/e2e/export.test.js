// The downloads (Download HTML / JSON / PNG, web/page/export.js) and `pcarecon render`: the standalone
// HTML, from the page and from the CLI, opened from file:// in headless Chromium and played to its
// last frame with every image panel keeping its heatmap and no network request; the JSON, from the
// page and from the CLI, read by plotly.py 5.4 (plotly.io.from_json) with frames and axes intact;
// the PNG a real PNG of the figure's size. Downloads are made under the page's CSP, from file://
// and from http.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { after, before, describe, test } = require('node:test');
const h = require('./helpers');

const ROOT = path.resolve(__dirname, '..', '..');
const PYTHON = '/usr/bin/python3'; // Debian's, with plotly 5.4, numpy
const PCARECON = process.env.PCARECON || path.join(ROOT, 'build', 'native', 'wasm', 'pcarecon');
const K = 50; // the page's default number of components
const SPEED_MS = 20;

// Reads a figure JSON with plotly.py (argv[1]) and prints what the tests check.
const PLOTLY_PY_CHECK = String.raw`
import json, sys
import plotly, plotly.io as pio
text = open(sys.argv[1]).read()
raw = json.loads(text)
fig = pio.from_json(text)  # validates every attribute against plotly.py's schema
base = [(t.type, t.xaxis, t.yaxis) for t in fig.data]
moved = []
for frame, raw_frame in zip(fig.frames, raw["frames"]):
    for index, trace in zip(raw_frame["traces"], frame.data):
        if (trace.type, trace.xaxis, trace.yaxis) != base[index]:
            moved.append([frame.name, index, trace.xaxis, trace.yaxis])
last = fig.frames[-1].data[0].z
play = [b for b in fig.layout.updatemenus[0].buttons if b.label == "Play"][0]
print(json.dumps({
    "plotly": plotly.__version__,
    "bdata": "bdata" in text,
    "frames": [f.name for f in fig.frames],
    "base": [list(b) for b in base],
    "moved": moved,
    "axes": sorted(k for k in fig.layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))),
    "reversed": [fig.layout[a].autorange for a in ("yaxis", "yaxis2", "yaxis3")],
    "lastShape": [len(last), len(last[0])],
    "lastReconstruction": [v for row in last for v in row],
    "playDuration": play.args[1]["frame"]["duration"],
}))
`;

let browser;
let sites;
let dir;
let reference;

before(async () => {
  browser = await h.launchBrowser();
  sites = await h.targets();
  dir = h.tempDir('pcarecon-export-');
  reference = h.sklearnReference(h.DEFAULT_DATASET, 0, K, [K]);
});

after(async () => {
  if (browser) await browser.close();
  if (sites) await sites.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function readWithPlotlyPy(file) {
  return JSON.parse(execFileSync(PYTHON, ['-c', PLOTLY_PY_CHECK, file], { maxBuffer: 64 << 20 }).toString());
}

function assertPlotlyPyFigure(summary, { names, playDuration }, what) {
  assert.match(summary.plotly, /^5\./, "Debian's plotly.py 5");
  assert.equal(summary.bdata, false, `${what}: plain number lists, no base64 arrays`);
  assert.deepEqual(summary.frames, names, `${what}: frames`);
  assert.deepEqual(
    summary.base,
    [
      ['heatmap', 'x', 'y'],
      ['heatmap', 'x2', 'y2'],
      ['heatmap', 'x3', 'y3'],
      ['scatter', 'x4', 'y4'],
    ],
    `${what}: base traces`,
  );
  assert.deepEqual(summary.moved, [], `${what}: every frame trace keeps its base trace's axes`);
  assert.deepEqual(summary.axes, ['xaxis', 'xaxis2', 'xaxis3', 'xaxis4', 'yaxis', 'yaxis2', 'yaxis3', 'yaxis4'], `${what}: axes`);
  assert.deepEqual(summary.reversed, ['reversed', 'reversed', 'reversed'], `${what}: images top row first`);
  assert.deepEqual(summary.lastShape, [28, 28], `${what}: 28×28 images`);
  assert.equal(summary.playDuration, playDuration, `${what}: the Play button's frame duration`);
}

function names(k, step) {
  const out = [];
  for (let i = 0; i < k; i += step) out.push(String(i));
  out.push(String(k));
  return out;
}

// Opens a standalone HTML file from file:// in a fresh context, plays it with its own Play button
// and checks every painted frame, the last frame, and that no request left the file.
async function playStandalone(file, { frames, k }) {
  const session = await h.openPage(browser, pathToFileURL(file).href);
  const { page } = session;
  try {
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30000 });
    assert.equal(await page.getAttribute('body', 'data-frame-count'), String(frames));
    assert.equal(await page.getAttribute('body', 'data-frame-index'), '0');
    // Every animation frame painted while playing: each image panel holds its heatmap.
    await page.evaluate(() => {
      const watch = (window.__watch = { ticks: 0, blank: [], running: true });
      const tick = () => {
        watch.ticks++;
        const missing = ['xy', 'x2y2', 'x3y3'].filter((id) => document.querySelectorAll(`#figure .subplot.${id} image`).length !== 1);
        if (missing.length) watch.blank.push(missing.join(','));
        if (watch.running) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.locator('#figure .updatemenu-button', { hasText: 'Play' }).click();
    await page.waitForFunction((last) => document.body.dataset.frameIndex === String(last), frames - 1, { timeout: 60000 });
    await h.animationFrames(page, 18); // the last frame drawn, and nothing moves after it
    const result = await page.evaluate(() => {
      window.__watch.running = false;
      const gd = document.getElementById('figure');
      return {
        watch: window.__watch,
        panels: ['xy', 'x2y2', 'x3y3', 'x4y4'].map((id) => gd.querySelectorAll(`.cartesianlayer .subplot.${id} image`).length),
        axes: gd._fullData.map((t) => `${t.type}:${t.xaxis}${t.yaxis}`),
        title: gd._fullLayout.title.text,
        frameIndex: Number(document.body.dataset.frameIndex),
      };
    });
    assert.equal(result.frameIndex, frames - 1, 'played to the last frame');
    assert.match(result.title, new RegExp(`k = ${k} of ${k} component`));
    assert.deepEqual(result.panels, [1, 1, 1, 0], 'each image panel keeps its heatmap in its own subplot');
    assert.deepEqual(result.axes, ['heatmap:xy', 'heatmap:x2y2', 'heatmap:x3y3', 'scatter:x4y4']);
    assert.ok(result.watch.ticks >= 5, `sampled ${result.watch.ticks} painted frames`);
    assert.deepEqual(result.watch.blank, [], 'no painted frame with an empty image panel');
    const network = session.requests.filter((r) => !/^(file|data|blob):/.test(r.url));
    assert.deepEqual(network, [], 'the standalone page makes no network request');
    assert.deepEqual(session.consoleErrors, [], 'no errors (a CSP violation would show here)');
  } finally {
    await session.close();
  }
}

async function downloadBy(page, action) {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), action()]);
  const file = path.join(dir, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(file);
  assert.equal(await download.failure(), null);
  return { file, name: download.suggestedFilename() };
}

function pngSize(file) {
  const bytes = fs.readFileSync(file);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(bytes.toString('latin1', 12, 16), 'IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), bytes: bytes.length };
}

describe('downloads from the page', () => {
  for (const site of [0, 1]) {
    test(`HTML, JSON and PNG of the figure on screen (${site ? 'http' : 'file'})`, async () => {
      const { url, name } = sites.list[site];
      const session = await h.openPage(browser, url);
      const { page } = session;
      try {
        // No figure yet: the buttons are disabled (checked in the same task as the figure version).
        const early = await page.evaluate(() => ({
          drawn: Number(document.body.dataset.figureVersion || 0) > 0,
          disabled: ['export-html', 'export-json', 'export-png'].map((id) => document.getElementById(id).disabled),
        }));
        if (!early.drawn) assert.deepEqual(early.disabled, [true, true, true], 'disabled while no figure');
        await h.waitForFigure(page, 1);
        for (const id of ['export-html', 'export-json', 'export-png']) {
          assert.equal(await page.isEnabled(`#${id}`), true, `#${id} enabled with a figure`);
        }
        const assetRequests = () => session.requests.filter((r) => r.url.endsWith('/export-assets.js'));
        assert.deepEqual(assetRequests(), [], 'plotly.js for the HTML export is not loaded up front');
        await page.evaluate((ms) => {
          const speed = document.getElementById('speed-input');
          speed.value = String(ms);
          speed.dispatchEvent(new Event('input', { bubbles: true }));
        }, SPEED_MS);

        // JSON, with the keyboard.
        await page.focus('#export-json');
        const json = await downloadBy(page, () => page.keyboard.press('Enter'));
        assert.equal(json.name, 'pca-reconstruction-fashion-mnist-sample-sample-0-k-50.json');
        const summary = readWithPlotlyPy(json.file);
        assertPlotlyPyFigure(summary, { names: names(K, 1), playDuration: SPEED_MS }, `page JSON (${name})`);
        const recon = h.maxAbsDiff([summary.lastReconstruction], reference.k[String(K)]);
        assert.ok(recon <= 1e-3 * reference.range, `JSON reconstruction at k = ${K} differs from scikit-learn by ${recon}`);

        // HTML, with the keyboard too (Space on a focused button activates it).
        await page.focus('#export-html');
        const html = await downloadBy(page, () => page.keyboard.press('Space'));
        assert.equal(html.name, 'pca-reconstruction-fashion-mnist-sample-sample-0-k-50.html');
        assert.ok(assetRequests().length >= 1, 'export-assets.js loaded for the HTML export');
        const text = fs.readFileSync(html.file, 'utf8');
        const plotly = fs.readFileSync(path.join(ROOT, 'node_modules', 'plotly.js-cartesian-dist-min', 'plotly-cartesian.min.js'), 'utf8');
        assert.ok(text.includes(`<script>${plotly}</script>`), 'plotly.js inlined');
        assert.match(text, /<title>PCA reconstruction: fashion-mnist-sample\.npy, sample 0, k = 0 to 50<\/title>/);
        await playStandalone(html.file, { frames: K + 1, k: K });

        // PNG of the frame on screen.
        const png = await downloadBy(page, () => page.click('#export-png'));
        assert.match(png.name, /^pca-reconstruction-fashion-mnist-sample-sample-0-k-50-at-\d+\.png$/);
        const size = pngSize(png.file);
        const box = await page.evaluate(() => {
          const r = document.getElementById('figure').getBoundingClientRect();
          return { width: Math.round(r.width), height: Math.round(r.height) };
        });
        assert.ok(
          Math.abs(size.width - box.width) <= 4 && Math.abs(size.height - box.height) <= 4,
          `PNG ${size.width}×${size.height} is the figure's size ${box.width}×${box.height}`,
        );
        assert.ok(size.bytes > 20000, `PNG of ${size.bytes} bytes holds the figure`);

        h.assertStayedLocal(session, name);
        assert.equal(await page.isHidden('#error'), true, 'no error shown');
      } finally {
        await session.close();
      }
    });
  }
});

describe('pcarecon render', () => {
  const step = 2;
  const k = 8;
  function render(out) {
    if (!fs.existsSync(PCARECON)) throw new Error(`${PCARECON} is missing: run scripts/build native (or set PCARECON)`);
    execFileSync(
      PCARECON,
      ['render', h.DEFAULT_DATASET, '-i', '3', '-k', String(k), '--step', String(step), '--frame-duration', String(SPEED_MS), '-o', out],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    return out;
  }

  test('the standalone HTML plays to its last frame offline', async () => {
    const file = render(path.join(dir, 'cli.html'));
    await playStandalone(file, { frames: names(k, step).length, k });
  });

  test('the JSON loads in plotly.py with frames and axes intact', () => {
    const file = render(path.join(dir, 'cli.json'));
    assertPlotlyPyFigure(readWithPlotlyPy(file), { names: names(k, step), playDuration: SPEED_MS }, 'CLI JSON');
  });
});
