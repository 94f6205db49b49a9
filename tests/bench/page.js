// The page in headless Chromium (2 cores, file://), timed by the page itself
// (window.pcaExplorer.debug.timings()): loading a file (read, fit, figure, draw, first paint),
// changing the sample, playback frames/s counted by plotly_animatingframe events, and the peak
// memory of the renderer process (page + workers). Prints one JSON object.
//   node tests/bench/page.js [--npy FILE] [--npy256 FILE] [--runs R] [--samples S] [--dist DIR]
// (--dist: another build of the site, for before/after comparisons.) Or only the change of sample
// and of k, this build beside another in turns (changeTimes, below):
//   node tests/bench/page.js --changes 28,256,512 [--other DIR] [--samples S] [--data DIR]
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { launchBrowser, openPage, waitForFigure } = require('../e2e/helpers.js');

const DEFAULT_DIST = path.resolve(__dirname, '..', '..', 'dist');

function args() {
  const out = { runs: 3, samples: 5 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  out.runs = Number(out.runs);
  out.samples = Number(out.samples);
  return out;
}

// Chromium processes started by this node process, with their type (browser, renderer, gpu, ...).
function chromiumProcesses() {
  const parent = new Map();
  const info = new Map();
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(pid), ppid);
      info.set(Number(pid), fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch (_) {
      /* gone */
    }
  }
  const mine = (pid) => {
    for (let p = pid, hops = 0; p > 1 && hops < 20; p = parent.get(p), hops++) if (p === process.pid) return true;
    return false;
  };
  const out = [];
  for (const [pid, cmd] of info) {
    if (pid === process.pid || !mine(pid) || !cmd.includes('chrom')) continue;
    const type = (/--type=([a-z-]+)/.exec(cmd) || [null, 'browser'])[1];
    out.push({ pid, type });
  }
  return out;
}

function statusKb(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch (_) {
    return 0;
  }
}

// The renderer that hosts our page and its workers: the one with the largest RSS.
function rendererPid() {
  const renderers = chromiumProcesses().filter((p) => p.type === 'renderer');
  renderers.sort((a, b) => statusKb(b.pid, 'VmRSS') - statusKb(a.pid, 'VmRSS'));
  return renderers.length ? renderers[0].pid : 0;
}

// Drops `file` on the page and resolves with the page's own timings of it, once it plays; an
// error the page shows ends the wait at once.
async function loadFile(page, file, timeout = 180000) {
  const before = await page.evaluate(() => Number(document.body.dataset.datasetVersion || 0));
  await page.setInputFiles('#file-input', file);
  await page.waitForFunction(
    ({ n, name }) => {
      const t = self.pcaExplorer.debug.timings().load;
      const failed = !document.getElementById('error').hidden;
      return failed || (Number(document.body.dataset.datasetVersion || 0) > n && t && t.name === name && t.firstPaint > 0);
    },
    { n: before, name: path.basename(file) },
    { timeout, polling: 20 },
  );
  const errors = await page.evaluate(() => (document.getElementById('error').hidden ? null : document.getElementById('error').textContent));
  if (errors) throw new Error(`the page reports: ${errors}`);
  return page.evaluate(() => self.pcaExplorer.debug.timings().load);
}

// Runs `change` on the page, then waits for the new figure's first frame painted; its timings.
async function timeChange(page, change) {
  const before = await page.evaluate(() => Number(document.body.dataset.figureVersion || 0));
  await change();
  await page.waitForFunction(
    (n) => {
      const t = self.pcaExplorer.debug.timings().figure;
      return Number(document.body.dataset.figureVersion || 0) > n && t && t.firstPaintMs > 0;
    },
    before,
    { timeout: 60000, polling: 10 },
  );
  return page.evaluate(() => self.pcaExplorer.debug.timings().figure);
}

function changeSample(page) {
  return timeChange(page, () => page.click('#next-sample'));
}

// A change of k (the K field, 50 ↔ 49) to the new figure's first frame painted, as changeSample.
function changeK(page) {
  return timeChange(page, () =>
    page.evaluate(() => {
      const input = document.getElementById('k-input');
      input.value = String(Number(input.value) === 50 ? 49 : 50);
      input.dispatchEvent(new Event('change', { bubbles: true }));
    }),
  );
}

// Until the page has every frame (a large figure's come after its first: figure-controller.js)
// and has made every frame's pictures ahead of play (its work after a change), so that each
// change starts on an idle page.
async function settle(page) {
  await page.waitForFunction(
    () => {
      const view = self.pcaExplorer.debug.view();
      if (document.body.dataset.busy === 'true' || view.framesToCome) return false;
      const ahead = self.pcaExplorer.debug.figuresAhead ? self.pcaExplorer.debug.figuresAhead() : { pending: 0 };
      if (ahead.pending) return false; // the next views' figures, asked for while idle
      const frames = document.getElementById('figure')._transitionData._frames;
      const needed = frames.reduce((n, f) => n + f.traces.length, 0);
      return !view.painter.active || view.painter.pictures.size >= needed;
    },
    null,
    { timeout: 120000, polling: 50 },
  );
}

// --changes 28,256,512: the time from a change of sample and of k to the new animation on
// screen, for this build and (--other DIR) another one, pages open side by side and changed in
// turns, so that both see the same machine. 28×28 is the built-in dataset; --data DIR holds
// tiles256-u8.npy and tiles512-u8.npy (tests/bench/make_data.py).
async function changeTimes(browser, opts) {
  const builds = { ours: path.resolve(opts.dist || DEFAULT_DIST) };
  if (opts.other) builds.other = path.resolve(opts.other);
  const data = path.resolve(opts.data || path.join(DEFAULT_DIST, '..', 'build', 'bench'));
  const out = {};
  for (const size of String(opts.changes).split(',').map(Number)) {
    const pages = {};
    for (const [name, dir] of Object.entries(builds)) {
      const p = await openPage(browser, 'file://' + path.join(dir, 'index.html'), { viewport: { width: 1280, height: 900 } });
      await waitForFigure(p.page);
      if (size !== 28) await loadFile(p.page, path.join(data, `tiles${size}-u8.npy`), 600000);
      pages[name] = p;
    }
    const runs = Object.fromEntries(Object.keys(builds).map((name) => [name, { sample: [], k: [] }]));
    // Every page settled before any change: one page's pictures made ahead would slow the other's.
    const settleAll = async () => {
      for (const p of Object.values(pages)) await settle(p.page);
    };
    for (let s = 0; s < opts.samples; s++) {
      for (const name of Object.keys(builds)) {
        const { page } = pages[name];
        await settleAll();
        runs[name].sample.push((await changeSample(page)).firstPaintMs);
        await settleAll();
        runs[name].k.push((await changeK(page)).firstPaintMs);
      }
    }
    for (const p of Object.values(pages)) await p.close();
    out[size] = Object.fromEntries(
      Object.entries(runs).map(([name, r]) => [name, { sampleMs: median(r.sample), kMs: median(r.k), samples: r.sample, ks: r.k }]),
    );
    process.stderr.write(`${size}×${size}: ${JSON.stringify(out[size], (k, v) => (typeof v === 'number' ? Math.round(v) : v))}\n`);
  }
  return out;
}

// Plays the whole animation at the fastest speed; frames/s from the plotly_animatingframe events.
async function playback(page) {
  await page.evaluate(() => {
    const input = document.getElementById('speed-input');
    input.value = input.min;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.evaluate(() => self.pcaExplorer.debug.view().goTo(0));
  await page.waitForTimeout(300);
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const gd = self.pcaExplorer.debug.figureDiv();
        const view = self.pcaExplorer.debug.view();
        const stamps = [];
        let finished = false;
        const done = () => {
          if (finished) return;
          finished = true;
          const span = stamps[stamps.length - 1] - stamps[0];
          resolve({
            frames: stamps.length,
            expected: view.count,
            frameDurationMs: view.frameDurationMs,
            fps: stamps.length > 1 ? ((stamps.length - 1) * 1000) / span : 0,
          });
        };
        gd.on('plotly_animatingframe', () => stamps.push(performance.now()));
        gd.on('plotly_animated', () => setTimeout(done, 0));
        setTimeout(done, 30000);
        view.play();
      }),
  );
}

const median = (values) => {
  const v = values.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  return v.length ? (v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) : null;
};

async function main() {
  const opts = args();
  const result = { loads: [], samples: [], playback: {}, memory: {} };
  const browser = await launchBrowser();
  if (opts.changes) {
    try {
      const changes = await changeTimes(browser, opts);
      process.stdout.write(JSON.stringify({ date: new Date().toISOString(), changes }) + '\n');
    } finally {
      await browser.close();
    }
    return;
  }
  try {
    const url = 'file://' + path.join(path.resolve(opts.dist || DEFAULT_DIST), 'index.html');
    // Memory: a fresh page, peak RSS (VmHWM) of its renderer across one load of the big file.
    if (opts.npy) {
      const p = await openPage(browser, url);
      await waitForFigure(p.page);
      const pid = rendererPid();
      const baseline = statusKb(pid, 'VmRSS');
      let peak = baseline;
      const poll = setInterval(() => {
        for (const r of chromiumProcesses().filter((x) => x.type === 'renderer')) peak = Math.max(peak, statusKb(r.pid, 'VmRSS'));
      }, 20);
      result.loads.push(await loadFile(p.page, opts.npy));
      clearInterval(poll);
      result.memory = {
        rendererPid: pid,
        baselineMB: baseline / 1024,
        peakRssMB: Math.max(peak, statusKb(pid, 'VmHWM')) / 1024,
        afterMB: statusKb(pid, 'VmRSS') / 1024,
      };
      for (let r = 1; r < opts.runs; r++) result.loads.push(await loadFile(p.page, opts.npy));
      for (let s = 0; s < opts.samples; s++) result.samples.push(await changeSample(p.page));
      result.playback.small = await playback(p.page);
      await p.close();
    }
    if (opts.npy256) {
      const p = await openPage(browser, url);
      await waitForFigure(p.page);
      result.load256 = await loadFile(p.page, opts.npy256);
      result.playback.large = await playback(p.page);
      await p.close();
    }
  } finally {
    await browser.close();
  }
  const pick = (key) => median(result.loads.map((t) => t[key]));
  result.median = {
    read: pick('read'),
    fit: pick('fit') - pick('read'),
    fitInWorker: pick('fitInWorker'),
    fitWorkers: pick('fitWorkers'),
    dropToPlaying: pick('firstPaint'),
    figure: pick('figure') - pick('summary'),
    parse: pick('parseMs'),
    plot: pick('plotMs'),
    sampleChange: median(result.samples.map((t) => t.firstPaintMs)),
    sampleFigure: median(result.samples.map((t) => t.figureMs)),
    sampleWait: median(result.samples.map((t) => t.waitMs)),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

// Also used by large_file.js (the memory of the browser's processes while streaming) and by
// topk_page.js (its memory, and loadFile).
module.exports = { chromiumProcesses, statusKb, loadFile };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
