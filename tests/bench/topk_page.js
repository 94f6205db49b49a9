// The page's top-K fit in headless Chromium (file://), for tests/bench/topk_bench.py: each file
// dropped on a fresh page, drop → playing from the page's own timings, which solver ran and its
// passes, and the peak RSS of the renderer (page + both workers) and of all Chromium's processes
// from the drop to the first paint, each beside its RSS just before the drop (the budget is
// on the growth while a stack loads and fits: at most 2× the file's bytes + 200 MB), and the
// renderer's peak over the 3 s after too (the dataset views' work). Prints one JSON line per
// file, with the top 10 explained variances.
//   node tests/bench/topk_page.js FILE...
// PCARECON_STREAM_ABOVE_BYTES=N streams every file whose matrix needs more than N bytes (the
// page's debug.setStreamAboveBytes): the streamed fit at a D too wide for a real file of that
// size on this machine (512×512×3).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { launchBrowser, openFilePage } = require('../e2e/helpers.js');
const { chromiumProcesses, statusKb, loadFile } = require('./page.js');

async function main() {
  const browser = await launchBrowser();
  try {
    for (const file of process.argv.slice(2)) {
      const p = await openFilePage(browser);
      const streamAbove = process.env.PCARECON_STREAM_ABOVE_BYTES;
      if (streamAbove) {
        await p.page.evaluate((bytes) => self.pcaExplorer.debug.setStreamAboveBytes(bytes), Number(streamAbove));
      }
      const renderer = () =>
        Math.max(
          0,
          ...chromiumProcesses()
            .filter((x) => x.type === 'renderer')
            .map((r) => statusKb(r.pid, 'VmRSS')),
        );
      const all = () => chromiumProcesses().reduce((sum, r) => sum + statusKb(r.pid, 'VmRSS'), 0);
      const before = { renderer: renderer(), all: all() };
      /** @type {Array<[number, number, number]>} ms since the drop, the renderer's and all RSS (kB) */
      const samples = [];
      const t0 = Date.now();
      const poll = setInterval(() => samples.push([Date.now() - t0, renderer(), all()]), 50);
      try {
        const t = await loadFile(p.page, file, 3600 * 1000);
        // The budget is for loading and fitting: up to the first paint. The dataset views
        // that follow (DISTORTIONS sends the helper a copy of half the rows) are reported apart,
        // over the next 3 s.
        await new Promise((resolve) => setTimeout(resolve, 3000));
        const loading = samples.filter((sample) => sample[0] <= t.firstPaint);
        const most = (list, i, floor) => list.reduce((m, sample) => Math.max(m, sample[i]), floor);
        const peak = most(loading, 1, before.renderer);
        const peakAll = most(loading, 2, before.all);
        const out = {
          file: path.basename(file),
          dropToPlayingS: t.firstPaint / 1000,
          readS: t.read / 1000,
          fitS: (t.fit - t.read) / 1000,
          solver: t.solver,
          passes: t.passes,
          fitWorkers: t.fitWorkers,
          helperWaitS: t.helperWaitMs / 1000, // how long the main worker waited for the helper
          streamWorkers: t.streamWorkers,
          explainedVariance: await p.page.evaluate(() => Array.from(self.pcaExplorer.debug.state().dataset.explainedVariance.slice(0, 10))),
          peakRendererMB: Math.round(peak / 1024),
          peakAfterRendererMB: Math.round(most(samples, 1, before.renderer) / 1024), // and 3 s after
          beforeRendererMB: Math.round(before.renderer / 1024),
          peakAllMB: Math.round(peakAll / 1024),
          beforeAllMB: Math.round(before.all / 1024),
          fileMB: Math.round(fs.statSync(file).size / 1e6),
        };
        process.stdout.write(JSON.stringify(out) + '\n');
      } finally {
        clearInterval(poll);
        await p.close();
      }
    }
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
