// Playback speed, stock plotly.js beside our page, in one headless Chromium and one run, for gray
// panels of 28×28, 256×256 and 512×512:
//   stock: a plain page with the same plotly.js build the site ships (dist/vendor/), drawing the
//          core's figure (3 heatmaps + the distortion line in subplots, 51 frames k = 0..50,
//          slider and Play/Pause; its images as nested number lists, as a plotly.py JSON loads)
//          with Plotly.newPlot and playing it with Plotly.animate (redraw: true, 20 ms frames);
//   ours:  dist/index.html at its fastest speed, the same file, sample 0, K = 50.
// Both are timed the same way: a requestAnimationFrame loop reads, before every paint, which
// frame the figure shows (its title, one per frame), so the count is of painted frames; the
// frames must come in order, and any skipped is counted. Also the time from a change of sample
// or of K to the new animation on screen (ours). Prints one JSON object; --report FILE prints
// the markdown table of such a JSON instead.
// --uncapped 1: Chromium without its frame-rate limit (--disable-frame-rate-limit
// --disable-gpu-vsync), so that a play faster than the display's refresh (60 frames/s here)
// is not held to it: what each can do, where the default run shows what a visitor sees.
//   node tests/bench/playback.js --data DIR [--sizes 28,256,512] [--runs R] [--dist DIR] [--profile 1] [--stock 0] [--uncapped 1]
// DIR holds tiles256-u8.npy and tiles512-u8.npy (tests/bench/make_data.py); 28×28 is the site's
// default dataset (dist/fashion-mnist-sample.npy).
/* global Plotly -- page.evaluate callbacks run in the page, where plotly.js is loaded */
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { launchBrowser, openPage, waitForFigure } = require('../e2e/helpers.js');

const ROOT = path.resolve(__dirname, '..', '..');
const K = 50; // components shown: 51 frames, k = 0..50, as the seed's figure
const STOCK_FRAME_MS = 20; // the seed's fastest frame duration

function args() {
  const out = { sizes: '28,256,512', runs: 2, data: path.join(ROOT, 'build', 'bench') };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  out.dist = path.resolve(out.dist || path.join(ROOT, 'dist'));
  out.sizes = String(out.sizes).split(',').map(Number);
  out.runs = Number(out.runs);
  return out;
}

function datasetFor(size, opts) {
  if (size === 28) return path.join(opts.dist, 'fashion-mnist-sample.npy');
  const file = path.join(opts.data, `tiles${size}-u8.npy`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run tests/bench/make_data.py ${opts.data}`);
  return file;
}

// The core's figure of sample 0 (base64 images), built by the shipped module under node.
async function coreFigureJson(npy) {
  const createPcaRecon = require(path.join(ROOT, 'build', 'wasm', 'pcarecon.js'));
  const Module = await createPcaRecon();
  const ex = new Module.Explorer();
  try {
    const bytes = fs.readFileSync(npy);
    ex.beginFile(0, 0);
    for (let o = 0; o < bytes.length; o += 4 << 20) ex.feed(bytes.subarray(o, o + (4 << 20)));
    ex.finishFile();
    ex.fit(0);
    return ex.figureJson({ sampleIndex: 0, nComponents: K, step: 1, frameDurationMs: STOCK_FRAME_MS, binaryArrays: true });
  } finally {
    ex.delete();
  }
}

// The stock page: plotly.js and the figure as classic scripts; the figure's base64 images become
// nested plain number lists before Plotly.newPlot (what plotly.py's JSON would hold), so plotly
// does its own work on every frame and nothing of ours helps it.
function writeStockPage(dir, size, figureJson, dist, variant = '') {
  const figureFile = path.join(dir, `stock-figure-${size}.js`);
  if (figureJson) fs.writeFileSync(figureFile, `self.STOCK_FIGURE = ${figureJson};\n`);
  const html = path.join(dir, `stock-${size}${variant ? '-' + variant.name : ''}.html`);
  fs.writeFileSync(
    html,
    `<!doctype html><html><head><meta charset="utf-8">
<script src="${pathToFileURL(path.join(dist, 'vendor', 'plotly-cartesian.min.js')).href}"></script>
<script src="${pathToFileURL(figureFile).href}"></script>
${variant ? `<script>self.STOCK_VARIANT = ${variant.fn};</script>` : ''}</head>
<body style="margin:0"><div id="figure" style="width:100%;height:820px"></div>
<script>
  function plain(spec) {
    if (!spec || typeof spec.bdata !== 'string') return spec;
    const bin = atob(spec.bdata), bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const [h, w] = String(spec.shape).split(',').map(Number), v = new Float32Array(bytes.buffer);
    const rows = [];
    for (let r = 0; r < h; r++) rows.push(Array.from(v.subarray(r * w, (r + 1) * w)));
    return rows;
  }
  const fig = self.STOCK_FIGURE;
  for (const t of fig.data) if (t.z) t.z = plain(t.z);
  for (const f of fig.frames) for (const t of f.data) if (t.z) t.z = plain(t.z);
  if (self.STOCK_VARIANT) self.STOCK_VARIANT(fig); // playback_shares.js: what a frame costs without X
  Plotly.newPlot('figure', fig).then(() => { document.body.dataset.ready = 'true'; });
</script></body></html>\n`,
  );
  return pathToFileURL(html).href;
}

// In the page: a requestAnimationFrame loop that notes, before each paint, which frame's title
// the figure shows; start() starts the animation; done when the last frame has been painted and
// `finished()` holds (or after 120 s). Returns the painted frames' indices and times.
function watchPaints({ titles, startExpr, finishedExpr }) {
  const start = new Function(startExpr);
  const finished = new Function(finishedExpr);
  return new Promise((resolve) => {
    const gd = document.getElementById('figure');
    const byTitle = new Map(titles.map((t, i) => [t, i]));
    const shown = () => {
      const node = gd.querySelector('.g-gtitle .gtitle');
      return node ? byTitle.get(node.textContent) : undefined;
    };
    const paints = [];
    let applied = 0;
    gd.on('plotly_animatingframe', () => applied++);
    const t0 = performance.now();
    let last = shown();
    const tick = () => {
      const now = performance.now();
      const index = shown();
      if (index !== last) {
        paints.push({ index, t: now });
        last = index;
      }
      if ((index === titles.length - 1 && finished()) || now - t0 > 120000) {
        resolve({ paints, applied, ticks: null });
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    start();
  });
}

// Painted frames per second over the run, and whether they came in order.
function summarise(run, count) {
  const { paints } = run;
  let skipped = 0;
  let backwards = 0;
  let previous = 0;
  for (const p of paints) {
    if (p.index === undefined) continue;
    if (p.index <= previous) backwards++;
    else skipped += p.index - previous - 1;
    previous = p.index;
  }
  const span = paints.length > 1 ? paints[paints.length - 1].t - paints[0].t : 0;
  return {
    painted: paints.length,
    expected: count - 1, // frames 1..last (frame 0 is on screen before play)
    skipped,
    backwards,
    unknown: paints.filter((p) => p.index === undefined).length,
    fps: span > 0 ? ((paints.length - 1) * 1000) / span : 0,
    applied: run.applied,
  };
}

async function titlesOf(page) {
  return page.evaluate(() => {
    const gd = document.getElementById('figure');
    return gd._transitionData._frames.map((f) => f.layout.title.text);
  });
}

// Before every play, stock or ours, the machine is left a second: a page just loaded or closed
// (the stock page's figure script is 147 MB at 512×512) still has the browser's work behind it,
// which otherwise ran into the next play, whichever side it was.
const SETTLE_MS = 1000;

async function playStock(browser, url, { frameMs = STOCK_FRAME_MS, repeats = 2, redraw = true } = {}) {
  const session = await openPage(browser, url, { viewport: { width: 1280, height: 900 } });
  const { page } = session;
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 300000 });
  const titles = await titlesOf(page);
  const runs = [];
  for (let r = 0; r < repeats; r++) {
    await page.evaluate(() =>
      Plotly.animate('figure', ['0'], { mode: 'immediate', frame: { duration: 0, redraw: true }, transition: { duration: 0 } }),
    );
    await page.waitForTimeout(SETTLE_MS);
    const run = await page.evaluate(watchPaints, {
      titles,
      startExpr: `Plotly.animate('figure', null, { mode: 'immediate', frame: { duration: ${frameMs}, redraw: ${redraw} }, transition: { duration: 0 } });`,
      finishedExpr: 'return true;',
    });
    runs.push(summarise(run, titles.length));
  }
  await session.close();
  return runs;
}

async function openOurs(browser, url, npy, size) {
  const session = await openPage(browser, url, { viewport: { width: 1280, height: 900 } });
  const { page } = session;
  await waitForFigure(page);
  if (size !== 28) {
    const before = await page.evaluate(() => Number(document.body.dataset.figureVersion));
    await page.setInputFiles('#file-input', npy);
    await page.waitForFunction((n) => Number(document.body.dataset.figureVersion) > n && document.body.dataset.busy !== 'true', before, {
      timeout: 600000,
    });
  }
  const error = await page.evaluate(() => (document.getElementById('error').hidden ? null : document.getElementById('error').textContent));
  if (error) throw new Error(`our page (${size}): ${error}`);
  await page.evaluate(() => {
    const input = document.getElementById('speed-input');
    input.value = input.min;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  return session;
}

async function playOurs(page) {
  const titles = await titlesOf(page);
  await page.evaluate(() => self.pcaExplorer.debug.view().goTo(0));
  await page.waitForFunction(() => document.body.dataset.frameIndex === '0' && document.body.dataset.playing === 'false');
  await page.waitForTimeout(SETTLE_MS);
  const run = await page.evaluate(watchPaints, {
    titles,
    startExpr: 'self.pcaExplorer.debug.view().play();',
    finishedExpr: "return document.body.dataset.playing === 'false';",
  });
  const speed = await page.evaluate(() => self.pcaExplorer.debug.view().frameDurationMs);
  return Object.assign(summarise(run, titles.length), { frameDurationMs: speed });
}

// Where the main thread's time goes during one play of ours (--profile): a V8 CPU profile,
// self time summed by script file, and the heaviest functions.
async function profileOurs(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  const run = await playOurs(page);
  const { profile } = await cdp.send('Profiler.stop');
  await cdp.detach();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) || 0) + (dt[i] || 0) / 1000));
  const byFile = {};
  const byFunction = {};
  for (const [id, ms] of self) {
    const { callFrame } = byId.get(id);
    const file = callFrame.url ? path.basename(callFrame.url) : callFrame.functionName || '(native)';
    byFile[file] = (byFile[file] || 0) + ms;
    const fn = `${callFrame.functionName || '(anonymous)'} ${file}:${callFrame.lineNumber}:${callFrame.columnNumber}`;
    byFunction[fn] = (byFunction[fn] || 0) + ms;
  }
  const top = (o, n) =>
    Object.entries(o)
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => [k, Math.round(v)]);
  return { fps: run.fps, frames: run.painted, msByFile: top(byFile, 12), msByFunction: top(byFunction, 20) };
}

// A change of sample (▶) or of K (the K field), to the new figure's first frame painted; each
// after the page settled (the figures of the views next to it asked for ahead are there, and a
// second passed: a visitor's click), or, `settled` false, right after the one before (a key held
// down: the change waits for the figure the worker is making ahead, and the K change follows the
// sample change before its neighbours' figures are made).
async function changeTimes(page, settled) {
  const times = {};
  for (const [what, act] of [
    ['sample', () => page.click('#next-sample')],
    [
      'k',
      () =>
        page.evaluate(() => {
          const input = document.getElementById('k-input');
          input.value = String(Number(input.value) === 50 ? 49 : 50);
          input.dispatchEvent(new Event('change', { bubbles: true }));
        }),
    ],
  ]) {
    if (settled) {
      await page.waitForFunction(() => self.pcaExplorer.debug.figuresAhead().pending === 0 && document.body.dataset.busy !== 'true', null, {
        timeout: 120000,
      });
      await page.waitForTimeout(SETTLE_MS);
    }
    const before = await page.evaluate(() => Number(document.body.dataset.figureVersion));
    await act();
    await page.waitForFunction(
      (n) => {
        const t = self.pcaExplorer.debug.timings().figure;
        return Number(document.body.dataset.figureVersion) > n && t && t.firstPaintMs > 0;
      },
      before,
      { timeout: 120000, polling: 10 },
    );
    times[what] = await page.evaluate(() => self.pcaExplorer.debug.timings().figure);
    // and until every frame is there (a large figure's come after its first), so that what
    // follows starts on the whole figure
    await page.waitForFunction(() => document.body.dataset.busy !== 'true' && !self.pcaExplorer.debug.view().framesToCome, null, {
      timeout: 120000,
    });
  }
  return times;
}

const median = (v) => {
  const s = v.slice().sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};

async function main() {
  const opts = args();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcarecon-playback-'));
  const ourUrl = pathToFileURL(path.join(opts.dist, 'index.html')).href;
  const uncapped = opts.uncapped === '1';
  const result = { date: new Date().toISOString(), uncapped, sizes: {} };
  const browser = await launchBrowser(uncapped ? ['--disable-frame-rate-limit', '--disable-gpu-vsync'] : []);
  try {
    for (const size of opts.sizes) {
      const npy = datasetFor(size, opts);
      const stockUrl = writeStockPage(dir, size, await coreFigureJson(npy), opts.dist);
      const ours = await openOurs(browser, ourUrl, npy, size);
      const entry = { stock: [], stockDisplayRate: [], ours: [], changes: [], changesBackToBack: [] };
      // The first play right after the load (pictures still being made ahead, some on demand),
      // apart from the later ones.
      entry.firstPlay = await playOurs(ours.page);
      // Interleaved, so that all see the same machine: stock at the seed's 20 ms and at 0 ms a
      // frame (plotly's fastest: it is CPU-bound either way; the faster is the reference), ours.
      for (let r = 0; r < opts.runs; r++) {
        if (opts.stock !== '0') {
          entry.stock.push(...(await playStock(browser, stockUrl, { repeats: 1 })));
          entry.stockDisplayRate.push(...(await playStock(browser, stockUrl, { repeats: 1, frameMs: 0 })));
        }
        entry.ours.push(await playOurs(ours.page));
      }
      if (opts.profile) entry.profile = await profileOurs(ours.page);
      // Three of each, whatever --runs: a change is quick, and its time varies more than a play's.
      for (let r = 0; r < Math.max(3, opts.runs); r++) entry.changes.push(await changeTimes(ours.page, true));
      for (let r = 0; r < Math.max(3, opts.runs); r++) entry.changesBackToBack.push(await changeTimes(ours.page, false));
      await ours.close();
      const stockFps = Math.max(median(entry.stock.map((s) => s.fps)), median(entry.stockDisplayRate.map((s) => s.fps)));
      const ourFps = median(entry.ours.map((s) => s.fps));
      entry.median = {
        stock20Fps: median(entry.stock.map((s) => s.fps)),
        stock0Fps: median(entry.stockDisplayRate.map((s) => s.fps)),
        stockFps,
        ourFps,
        firstPlayFps: entry.firstPlay.fps,
        ratio: ourFps / stockFps,
        sampleChangeMs: median(entry.changes.map((c) => c.sample.firstPaintMs)),
        kChangeMs: median(entry.changes.map((c) => c.k.firstPaintMs)),
        sampleChangeBackToBackMs: median(entry.changesBackToBack.map((c) => c.sample.firstPaintMs)),
        kChangeBackToBackMs: median(entry.changesBackToBack.map((c) => c.k.firstPaintMs)),
      };
      result.sizes[size] = entry;
      process.stderr.write(
        `${size}×${size}: stock ${stockFps.toFixed(1)} frames/s, ours ${ourFps.toFixed(1)} (${(ourFps / stockFps).toFixed(2)}×)\n`,
      );
    }
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

function report(file) {
  const result = JSON.parse(fs.readFileSync(file, 'utf8').trim().split('\n').pop());
  const lines = [
    result.uncapped
      ? 'Chromium without its frame-rate limit (--uncapped 1):\n'
      : 'Chromium as a visitor has it (frames at most at the display refresh, 60 frames/s here):\n',
    '| panels | stock plotly.js, 20 ms / 0 ms a frame (frames/s) | our page, fastest (frames/s) | ours ÷ stock (the faster) | our first play after the load (frames/s) | ours painted in order: skipped / backwards | sample change → new animation (settled / back to back) | K change → new animation (settled / back to back) |',
    '|---|---:|---:|---:|---:|---|---:|---:|',
  ];
  for (const [size, e] of Object.entries(result.sizes)) {
    const m = e.median;
    const plays = e.ours.concat([e.firstPlay]);
    const skipped = plays.reduce((s, r) => s + r.skipped, 0);
    const backwards = plays.reduce((s, r) => s + r.backwards, 0);
    lines.push(
      `| ${size}×${size} | ${m.stock20Fps.toFixed(1)} / ${m.stock0Fps.toFixed(1)} | ${m.ourFps.toFixed(1)} | **${m.ratio.toFixed(2)}×** | ${m.firstPlayFps.toFixed(1)} | ${skipped} / ${backwards} of ${plays.reduce((s, r) => s + r.expected, 0)} | ${m.sampleChangeMs.toFixed(0)} / ${m.sampleChangeBackToBackMs.toFixed(0)} ms | ${m.kChangeMs.toFixed(0)} / ${m.kChangeBackToBackMs.toFixed(0)} ms |`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

module.exports = { playStock, coreFigureJson, datasetFor, summarise, titlesOf, watchPaints, writeStockPage, median };

if (require.main === module) {
  const argv = process.argv.slice(2);
  const run = argv[0] === '--report' ? Promise.resolve().then(() => report(argv[1])) : main();
  run.catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
