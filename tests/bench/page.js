// The page in headless Chromium (2 cores, file://), timed by the page itself
// (window.pcaExplorer.debug.timings()): loading a file (read, fit, figure, draw, first paint),
// changing the sample, playback frames/s counted by plotly_animatingframe events, and the peak
// memory of the renderer process (page + workers). Prints one JSON object.
//   node tests/bench/page.js [--npy FILE] [--npy256 FILE] [--runs R] [--samples S] [--dist DIR]
// (--dist: another build of the site, for before/after comparisons.)
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

async function changeSample(page) {
  const before = await page.evaluate(() => Number(document.body.dataset.figureVersion || 0));
  await page.click('#next-sample');
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
