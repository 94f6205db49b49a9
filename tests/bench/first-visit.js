// A first visit, side by side with a bare page: navigation → first figure on screen, from file://,
// a cold browser for every run, our page and the bare page taking turns. The bare page (written
// next to the site, in DIR/bare-plotly.html) only parses the same plotly.js and draws one 28×28
// heatmap; the target is our page in at most 1.25× its time. Both pages are timed the same way:
// performance.now() (from navigation start) when body's data-figure-version is first set, seen by
// a MutationObserver installed before the page's scripts, then one animation frame (painted).
//   node tests/bench/first-visit.js [--runs R] [--firefox-runs R] [--dist DIR] [--other DIR[,DIR…]]
// (--other: other builds of the site timed in the same rotation, e.g. before/after a change; each
// named by its directory.)
// Prints one JSON object: per engine, the runs and medians in ms and the ratio ours / bare.
//   node tests/bench/first-visit.js --report FILE   prints that JSON as a markdown table
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const puppeteer = require('puppeteer-core');
const { launchChromium } = require('../e2e/helpers');

const ROOT = path.resolve(__dirname, '..', '..');

function args() {
  const out = { runs: 7, 'firefox-runs': 3, dist: path.join(ROOT, 'dist'), other: null };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  const other = out.other ? out.other.split(',').map((dir) => path.resolve(dir)) : [];
  return { runs: Number(out.runs), firefoxRuns: Number(out['firefox-runs']), dist: path.resolve(out.dist), other };
}

// The bare page: plotly.js as the site ships it, one 28×28 heatmap, then the same signal ours gives.
function writeBarePage(dist) {
  const file = path.join(dist, 'bare-plotly.html');
  fs.writeFileSync(
    file,
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>plotly.js alone</title></head>
<body>
<div id="figure" style="width:900px;height:600px"></div>
<script src="vendor/plotly-cartesian.min.js"></script>
<script>
  const z = Array.from({ length: 28 }, (_, i) => Array.from({ length: 28 }, (_, j) => (i * 28 + j) % 255));
  Plotly.newPlot('figure', [{ type: 'heatmap', z, colorscale: 'Greys', showscale: false }], { yaxis: { autorange: 'reversed', scaleanchor: 'x' } })
    .then(() => { document.body.dataset.figureVersion = '1'; });
</script>
</body></html>
`,
  );
  return pathToFileURL(file).href;
}

// Runs before the page's scripts: records when the first figure is on screen.
function firstFigureProbe() {
  window.__firstFigure = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (document.body && Number(document.body.dataset.figureVersion || 0) >= 1) {
        observer.disconnect();
        const drawn = performance.now();
        requestAnimationFrame(() => resolve({ drawn, painted: performance.now() }));
      }
    });
    observer.observe(document, { attributes: true, subtree: true, attributeFilter: ['data-figure-version'] });
  });
}

// The first figure's times, or an error naming the page if it never comes (a broken build would
// otherwise hold the bench forever).
function firstFigure(page, url) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no figure within 120 s: ${url}`)), 120000);
  });
  return Promise.race([page.evaluate(() => window.__firstFigure), timeout]).finally(() => clearTimeout(timer));
}

async function chromiumRun(url) {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.addInitScript(firstFigureProbe);
    await page.goto(url, { waitUntil: 'commit' });
    return await firstFigure(page, url);
  } finally {
    await browser.close();
  }
}

async function firefoxRun(url) {
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    await page.evaluateOnNewDocument(firstFigureProbe);
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    return await firstFigure(page, url);
  } finally {
    await browser.close();
  }
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// pages: {name: url}; 'ours' and 'bare' give the ratio, any other is timed alongside.
async function compare(run, runs, pages) {
  const names = Object.keys(pages);
  const times = Object.fromEntries(names.map((name) => [name, []]));
  for (let i = 0; i < runs; i++) {
    // Taking turns, in a rotating order, so that the machine's load weighs on all alike.
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length];
      const t = await run(pages[name]);
      times[name].push(Math.round(t.painted));
    }
  }
  const medianMs = Object.fromEntries(names.map((name) => [name, median(times[name])]));
  const ratios = Object.fromEntries(names.filter((n) => n !== 'bare').map((n) => [n, Number((medianMs[n] / medianMs.bare).toFixed(2))]));
  return { runs: times, medianMs, ratio: ratios.ours, ratios };
}

function report(file) {
  const result = JSON.parse(fs.readFileSync(file, 'utf8'));
  console.log('| first visit, file://, cold browser (median) | our page | plotly.js + one heatmap | ratio (target ≤ 1.25) |');
  console.log('|---|---|---|---|');
  for (const engine of ['chromium', 'firefox']) {
    const r = result[engine];
    if (!r) continue;
    const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
    console.log(`| ${engine} (${r.runs.ours.length} runs each) | ${s(r.medianMs.ours)} | ${s(r.medianMs.bare)} | ${r.ratio.toFixed(2)}× |`);
    for (const name of Object.keys(r.medianMs).filter((n) => n !== 'ours' && n !== 'bare')) {
      console.log(`| ${engine}, ${name} | ${s(r.medianMs[name])} | | ${r.ratios[name].toFixed(2)}× |`);
    }
  }
}

async function main() {
  if (process.argv[2] === '--report') {
    report(process.argv[3]);
    return;
  }
  const { runs, firefoxRuns, dist, other } = args();
  const pages = { ours: pathToFileURL(path.join(dist, 'index.html')).href, bare: writeBarePage(dist) };
  for (const dir of other) pages[path.basename(dir)] = pathToFileURL(path.join(dir, 'index.html')).href;
  const out = { target: 1.25, chromium: await compare(chromiumRun, runs, pages) };
  if (firefoxRuns > 0) out.firefox = await compare(firefoxRun, firefoxRuns, pages);
  fs.rmSync(path.join(dist, 'bare-plotly.html'));
  console.log(JSON.stringify(out, null, 1));
}

module.exports = { writeBarePage, firstFigureProbe, median };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
