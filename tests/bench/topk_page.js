// The page's top-K fit in headless Chromium (file://), for tests/bench/topk_bench.py: each file
// dropped on a fresh page, drop → playing from the page's own timings, which solver ran and its
// passes, and the peak RSS of the renderer (page + both workers). Prints one JSON line per file.
//   node tests/bench/topk_page.js FILE...
'use strict';

const path = require('node:path');
const { launchBrowser, openPage, waitForFigure } = require('../e2e/helpers.js');
const { chromiumProcesses, statusKb } = require('./page.js');

const DIST = path.resolve(__dirname, '..', '..', 'dist');

async function dropTimed(page, file) {
  const before = await page.evaluate(() => Number(document.body.dataset.datasetVersion || 0));
  await page.setInputFiles('#file-input', file);
  await page.waitForFunction(
    ({ n, name }) => {
      const t = self.pcaExplorer.debug.timings().load;
      const failed = !document.getElementById('error').hidden;
      return failed || (Number(document.body.dataset.datasetVersion || 0) > n && t && t.name === name && t.firstPaint > 0);
    },
    { n: before, name: path.basename(file) },
    { timeout: 3600 * 1000, polling: 100 },
  );
  const error = await page.evaluate(() => (document.getElementById('error').hidden ? null : document.getElementById('error').textContent));
  if (error) throw new Error(`the page reports: ${error}`);
  return page.evaluate(() => self.pcaExplorer.debug.timings().load);
}

async function main() {
  const browser = await launchBrowser();
  try {
    for (const file of process.argv.slice(2)) {
      const p = await openPage(browser, 'file://' + path.join(DIST, 'index.html'));
      await waitForFigure(p.page);
      let peak = 0;
      const poll = setInterval(() => {
        for (const r of chromiumProcesses().filter((x) => x.type === 'renderer')) peak = Math.max(peak, statusKb(r.pid, 'VmRSS'));
      }, 50);
      try {
        const t = await dropTimed(p.page, file);
        const out = {
          file: path.basename(file),
          dropToPlayingS: t.firstPaint / 1000,
          readS: t.read / 1000,
          fitS: (t.fit - t.read) / 1000,
          solver: t.solver,
          passes: t.passes,
          fitWorkers: t.fitWorkers,
          peakRendererMB: Math.round(peak / 1024),
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
