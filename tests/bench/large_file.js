// A file larger than memory, streamed by the page in headless Chromium (file://): NumPy writes a
// 6.0 GB uint8 (7 650 000, 28, 28) file in pieces into a temporary directory (only with free disk
// of at least twice its size; removed afterwards), the page streams it at its default budget
// (PCA over all rows, the first ones kept), and this reports the time, rows/s and the memory of
// the browser's processes (the page.js sampler): peak RSS over all of them and the renderer's
// (page + both workers), and the RSS at each quarter of the stream, which stays flat: O(D²) + a
// chunk + the display window, whatever N is. A tenth of the file is then streamed twice, with and
// without the helper worker, to show what the two-worker split is worth.
//   node tests/bench/large_file.js [--dir DIR] [--rows 7650000]  -> one JSON line
//   node tests/bench/large_file.js --report RESULT.json            -> markdown rows for the table
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { launchBrowser, openPage, waitForFigure } = require('../e2e/helpers.js');
const { chromiumProcesses, statusKb } = require('./page.js');

const DIST = path.resolve(__dirname, '..', '..', 'dist');
const D = 784;

function args() {
  const out = { rows: 7650000, dir: os.tmpdir() };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  out.rows = Number(out.rows);
  return out;
}

// RSS of every Chromium process of ours, in MB: {total, renderer (largest), browser}.
function memoryNow() {
  let total = 0;
  let renderer = 0;
  let browser = 0;
  for (const p of chromiumProcesses()) {
    const mb = statusKb(p.pid, 'VmRSS') / 1024;
    total += mb;
    if (p.type === 'renderer') renderer = Math.max(renderer, mb);
    if (p.type === 'browser') browser += mb;
  }
  return { total, renderer, browser };
}

// Streams `file` in a fresh page (stream settings as given) and samples memory meanwhile.
async function streamOnce(browser, file, rows, stream) {
  const p = await openPage(browser, 'file://' + path.join(DIST, 'index.html'));
  try {
    await waitForFigure(p.page);
    if (stream) await p.page.evaluate((s) => self.pcaExplorer.debug.setStreamAboveBytes(s.aboveBytes, s), stream);
    const baseline = memoryNow();
    const peak = { ...baseline };
    // Sampled from /proc here, every 200 ms, whatever the page is doing (a busy renderer answers
    // page.evaluate late, so the page's own progress is not a good clock for this).
    const timeline = [];
    const sampler = setInterval(() => {
      const now = memoryNow();
      for (const key of Object.keys(peak)) peak[key] = Math.max(peak[key], now[key]);
      timeline.push({ t: Date.now(), ...now });
    }, 200);
    const started = Date.now();
    await p.page.setInputFiles('#file-input', file); // the path: Chromium reads the file itself
    await p.page.waitForFunction(
      (name) => {
        const t = self.pcaExplorer.debug.timings().load;
        const error = document.getElementById('error');
        return (t && t.name === name && t.firstPaint > 0) || !error.hidden;
      },
      path.basename(file),
      { timeout: 60 * 60 * 1000, polling: 500 },
    );
    clearInterval(sampler);
    const ended = Date.now();
    // RSS at 25, 50, 75 % of the load's time (the stream runs at a steady rate), and once loaded.
    const quarters = [0.25, 0.5, 0.75].map((f) => timeline.find((x) => x.t >= started + f * (ended - started)) || null);
    quarters.push({ t: ended, ...memoryNow() });
    const error = await p.page.evaluate(() =>
      document.getElementById('error').hidden ? null : document.getElementById('error').textContent,
    );
    if (error) throw new Error(`the page reports: ${error}`);
    const t = await p.page.evaluate(() => self.pcaExplorer.debug.timings().load);
    const note = await p.page.textContent('#streamed-note');
    const info = await p.page.evaluate(() => self.pcaExplorer.debug.state().dataset.info);
    return {
      rows,
      wallS: (Date.now() - started) / 1000,
      streamS: t.read / 1000,
      fitS: (t.fit - t.read) / 1000,
      dropToPlayingS: t.firstPaint / 1000,
      rowsPerS: rows / (t.read / 1000),
      streamWorkers: t.streamWorkers,
      keptSamples: info.streamed && info.streamed.keptSamples,
      note,
      memoryMB: { baseline, peak, quarters },
    };
  } finally {
    await p.close();
  }
}

async function run(opts) {
  const bytes = opts.rows * D + 128;
  const free = fs.statfsSync(opts.dir);
  const freeBytes = free.bavail * free.bsize;
  if (freeBytes < 2 * bytes) {
    return {
      skipped: `only ${(freeBytes / 1e9).toFixed(1)} GB free in ${opts.dir}; the large-file bench needs ${((2 * bytes) / 1e9).toFixed(1)} GB (twice the file)`,
    };
  }
  const dir = fs.mkdtempSync(path.join(opts.dir, 'pcarecon-large-'));
  try {
    const big = path.join(dir, 'large-u8.npy');
    const tenth = path.join(dir, 'tenth-u8.npy');
    let t0 = Date.now();
    execFileSync('/usr/bin/python3', [path.join(__dirname, 'make_large.py'), big, String(opts.rows)]);
    const writeS = (Date.now() - t0) / 1000;
    const tenthRows = Math.round(opts.rows / 10);
    execFileSync('/usr/bin/python3', [path.join(__dirname, 'make_large.py'), tenth, String(tenthRows)]);
    const browser = await launchBrowser();
    try {
      const result = { file: { rows: opts.rows, bytes: fs.statSync(big).size, writeS }, machineFreeMB: os.freemem() / 2 ** 20 };
      result.large = await streamOnce(browser, big, opts.rows, null); // the page's defaults
      // What the helper worker is worth: a tenth of the file, streamed with and without it (the
      // budget lowered so that it streams whatever --rows is).
      const one = { aboveBytes: 1 << 20, windowBytes: 64 << 20, split: false };
      const two = { aboveBytes: 1 << 20, windowBytes: 64 << 20, split: true };
      // Alternated, twice each, so that a change in the machine's load hits both alike.
      const runs = { two: [], one: [] };
      for (let r = 0; r < 2; r++) {
        runs.two.push(await streamOnce(browser, tenth, tenthRows, two));
        runs.one.push(await streamOnce(browser, tenth, tenthRows, one));
      }
      const faster = (list) => list.reduce((a, b) => (a.streamS <= b.streamS ? a : b));
      result.tenthTwoWorkers = faster(runs.two);
      result.tenthOneWorker = faster(runs.one);
      result.tenthRuns = { two: runs.two.map((x) => x.streamS), one: runs.one.map((x) => x.streamS) };
      return result;
    } finally {
      await browser.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Markdown rows for the bench's tables.
function report(file) {
  const r = JSON.parse(fs.readFileSync(file, 'utf8').trim().split('\n').pop());
  if (r.skipped) {
    console.log(`\nLarge file: skipped (${r.skipped}).`);
    return;
  }
  const L = r.large;
  const gb = (r.file.bytes / 1e9).toFixed(1);
  const m = L.memoryMB;
  const quarters = m.quarters.map((q) => (q ? `${q.total.toFixed(0)}` : '?')).join(' / ');
  console.log(
    `\nA file larger than memory: uint8 (${r.file.rows}, 28, 28), ${gb} GB on disk (${((r.file.rows * D * 4) / 1e9).toFixed(1)} GB as float32), written by NumPy in ${r.file.writeS.toFixed(0)} s; page at its defaults, file://.\n`,
  );
  console.log('| large file (streamed) | measured |');
  console.log('|---|---:|');
  console.log(
    `| page: stream ${gb} GB (read + covariance, ${L.streamWorkers} workers) | ${L.streamS.toFixed(1)} s = ${(L.rowsPerS / 1000).toFixed(0)}k rows/s |`,
  );
  console.log(`| page: eigensolver (784×784) / drop → playing | ${L.fitS.toFixed(2)} s / ${L.dropToPlayingS.toFixed(1)} s |`);
  console.log(`| kept for display | ${L.keptSamples} images |`);
  console.log(
    `| Chromium processes, RSS before → peak (all / renderer with both workers) | ${m.baseline.total.toFixed(0)} → ${m.peak.total.toFixed(0)} MB / ${m.baseline.renderer.toFixed(0)} → ${m.peak.renderer.toFixed(0)} MB |`,
  );
  console.log(`| all Chromium RSS at 25 / 50 / 75 % of the stream and once loaded (flat: O(D²) + chunk + window) | ${quarters} MB |`);
  const two = r.tenthTwoWorkers;
  const one = r.tenthOneWorker;
  console.log(
    `| a tenth of it (${two.rows} rows), best of 2 alternated runs: 2 workers / 1 worker | ${two.streamS.toFixed(1)} s / ${one.streamS.toFixed(1)} s (× ${(one.streamS / two.streamS).toFixed(2)}) |`,
  );
}

if (require.main === module) {
  const opts = args();
  if (opts.report) {
    report(opts.report);
  } else {
    run(opts)
      .then((result) => process.stdout.write(JSON.stringify(result) + '\n'))
      .catch((error) => {
        console.error(error);
        process.exit(1);
      });
  }
}
