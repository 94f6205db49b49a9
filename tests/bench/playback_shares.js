// Where a stock plotly.js frame's time goes: the stock page of playback.js played as fast as
// plotly can (frame duration 0, so frames/s = 1 / the cost of one frame, up to the display's
// rate), with one part of the figure taken away at a time. Prints one line per variant.
//   node tests/bench/playback_shares.js [--sizes 28,256] [--data DIR]
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { launchBrowser } = require('../e2e/helpers.js');
const { coreFigureJson, datasetFor, median, playStock, writeStockPage } = require('./playback.js');

const ROOT = path.resolve(__dirname, '..', '..');

// Each variant edits the figure in the stock page before Plotly.newPlot (its source text is sent).
const VARIANTS = [
  { name: 'full', fn: 'function (fig) {}' },
  { name: 'no-slider', fn: 'function (fig) { delete fig.layout.sliders; }' },
  { name: 'no-menus', fn: 'function (fig) { delete fig.layout.updatemenus; }' },
  { name: 'no-colorbars', fn: 'function (fig) { for (const t of fig.data) if (t.type === "heatmap") t.showscale = false; }' },
  { name: 'no-annotations', fn: 'function (fig) { fig.layout.annotations = []; }' },
  {
    name: 'bare',
    fn: `function (fig) {
      delete fig.layout.sliders; delete fig.layout.updatemenus; fig.layout.annotations = [];
      for (const t of fig.data) if (t.type === "heatmap") t.showscale = false;
    }`,
  },
  {
    // Heatmaps swapped for image traces whose source is a PNG made once per frame (gray), before play.
    name: 'image-source',
    fn: `function (fig) {
      const png = (z, lo, hi) => {
        const h = z.length, w = z[0].length, c = document.createElement('canvas');
        c.width = w; c.height = h;
        const ctx = c.getContext('2d'), img = ctx.createImageData(w, h);
        for (let r = 0; r < h; r++) for (let q = 0; q < w; q++) {
          const v = Math.max(0, Math.min(255, Math.round(255 * (z[r][q] - lo) / (hi - lo)))), i = 4 * (r * w + q);
          img.data[i] = img.data[i + 1] = img.data[i + 2] = v; img.data[i + 3] = 255;
        }
        ctx.putImageData(img, 0, 0);
        return c.toDataURL('image/png');
      };
      const swap = (t, base) => {
        if (!t.z) return t;
        const b = base || t;
        const out = { type: 'image', source: png(t.z, b.zmin, b.zmax), zsmooth: false };
        for (const key of ['xaxis', 'yaxis', 'name', 'hovertemplate']) if (t[key] !== undefined) out[key] = t[key];
        return out;
      };
      const base = fig.data.slice();
      fig.data = fig.data.map((t) => swap(t));
      for (const f of fig.frames) f.data = f.data.map((t, i) => swap(t, base[f.traces[i]]));
    }`,
  },
];

async function main() {
  const opts = { sizes: '28,256', data: path.join(ROOT, 'build', 'bench'), dist: path.join(ROOT, 'dist') };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) opts[argv[i].replace(/^--/, '')] = argv[i + 1];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcarecon-shares-'));
  const browser = await launchBrowser();
  const out = {};
  try {
    for (const size of String(opts.sizes).split(',').map(Number)) {
      const json = await coreFigureJson(datasetFor(size, opts));
      writeStockPage(dir, size, json, opts.dist);
      out[size] = {};
      for (const variant of VARIANTS) {
        const url = writeStockPage(dir, size, null, opts.dist, variant);
        const runs = await playStock(browser, url, { frameMs: 0, repeats: 3 });
        const fps = median(runs.map((r) => r.fps));
        out[size][variant.name] = { fps, msPerFrame: 1000 / fps, skipped: runs.map((r) => r.skipped) };
        process.stderr.write(`${size}: ${variant.name}: ${fps.toFixed(1)} frames/s (${(1000 / fps).toFixed(1)} ms a frame)\n`);
      }
      const runs = await playStock(browser, writeStockPage(dir, size, null, opts.dist), { frameMs: 0, repeats: 3, redraw: false });
      process.stderr.write(`${size}: full, redraw false (frames applied, never drawn): ${median(runs.map((r) => r.applied))} applied\n`);
    }
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
