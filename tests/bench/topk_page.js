// The page's top-K fit in headless Chromium (file://), for tests/bench/topk_bench.py: each file
// dropped on a fresh page, drop → playing from the page's own timings, which solver ran and its
// passes, and the peak RSS of the renderer (page + both workers). Prints one JSON line per file.
//   node tests/bench/topk_page.js FILE...
'use strict';

const path = require('node:path');
const { launchBrowser, openFilePage } = require('../e2e/helpers.js');
const { chromiumProcesses, statusKb, loadFile } = require('./page.js');

async function main() {
  const browser = await launchBrowser();
  try {
    for (const file of process.argv.slice(2)) {
      const p = await openFilePage(browser);
      let peak = 0;
      const poll = setInterval(() => {
        for (const r of chromiumProcesses().filter((x) => x.type === 'renderer')) peak = Math.max(peak, statusKb(r.pid, 'VmRSS'));
      }, 50);
      try {
        const t = await loadFile(p.page, file, 3600 * 1000);
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
