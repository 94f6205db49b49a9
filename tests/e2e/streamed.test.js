// Files larger than memory, streamed: with the streaming budget lowered by the test hook
// (pcaExplorer.debug.setStreamAboveBytes), a NumPy-written 20000×28×28 uint8 file is streamed by
// the two workers: the page says so, the explained variance is scikit-learn's over ALL rows, only
// the first rows are kept (the sample input stops there), and the figure plays with its three
// panels. A cancel in the middle of a stream keeps the figure on screen. From file:// and http.
// The same file fitted by the top-K solver in passes over the File (forced by the test hook: its
// covariance would be cheap), both workers reading each pass: scikit-learn's top 10, the pass
// named in the progress bar, and a Cancel in the middle of a pass keeps the figure.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { after, before, describe, test } = require('node:test');
const h = require('./helpers');

let browser;
let sites;
let tmp;
let small; // 20000×28×28 uint8
let large; // 150000×28×28 uint8, long enough to cancel in the middle
let nonFinite; // 8000×28×28 float32 with NaN/Inf in both halves
let reference; // scikit-learn over every row of `small`

const KEPT = 3000;
const WINDOW = KEPT * 784 * 4;

const SCRIPT = String.raw`
import json, sys
import numpy as np
from sklearn.decomposition import PCA
def images(seed, n):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:28, 0:28] / 27
    patterns = np.array([np.cos(2 * np.pi * rng.uniform(0.5, 3) * yy + rng.uniform(0, 6))
                         * np.cos(2 * np.pi * rng.uniform(0.5, 3) * xx + rng.uniform(0, 6))
                         for _ in range(8)]).reshape(8, -1)
    out = np.empty((n, 784), np.uint8)
    for s in range(0, n, 10000):
        b = min(10000, n - s)
        x = 110 + (rng.standard_normal((b, 8)) * 45 * 0.8 ** np.arange(8)) @ patterns
        out[s:s + b] = np.clip(np.rint(x + 6 * rng.standard_normal(x.shape)), 5, 235)
    return out
x = images(5, 20000)
x[-1, 10] = 255  # the extremes only beyond the kept rows
x[-7, 20] = 0
np.save(sys.argv[1], x.reshape(-1, 28, 28))
np.save(sys.argv[2], images(6, 150000).reshape(-1, 28, 28))
bad = images(7, 8000).astype('<f4')  # float32, with NaN/Inf in both workers' parts
bad[100, 5], bad[5000, 30], bad[7999, 783] = np.nan, np.inf, np.nan
np.save(sys.argv[3], bad.reshape(-1, 28, 28))
pca = PCA(n_components=50, svd_solver='full').fit(x.astype(np.float64))
json.dump({'ev': pca.explained_variance_.tolist(), 'ratio': pca.explained_variance_ratio_.tolist()}, sys.stdout)
`;

before(async () => {
  browser = await h.launchBrowser();
  sites = await h.targets();
  tmp = h.tempDir('pcarecon-e2e-streamed-');
  small = path.join(tmp, 'streamed-20000.npy');
  large = path.join(tmp, 'streamed-150000.npy');
  nonFinite = path.join(tmp, 'streamed-nan.npy');
  // One BLAS thread: on a busy machine OpenBLAS's spinning threads take minutes for seconds of work.
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
  reference = JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', SCRIPT, small, large, nonFinite], { maxBuffer: 16 << 20, env }).toString(),
  );
});

after(async () => {
  if (browser) await browser.close();
  if (sites) await sites.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function lowerBudget(page) {
  await page.evaluate((windowBytes) => window.pcaExplorer.debug.setStreamAboveBytes(1 << 20, { windowBytes }), WINDOW);
}

// Cancel is pressed by the page itself at the first progress it shows that `busy` accepts (see
// the cancel test below for why a MutationObserver); the label of that moment is kept.
async function cancelAtProgress(page, phaseStart) {
  await page.evaluate((start) => {
    const label = document.getElementById('progress-label');
    const observer = new MutationObserver(() => {
      const busy = window.pcaExplorer.debug.state().busy;
      if (!(busy && busy.phase && busy.phase.startsWith(start) && busy.done > 0 && busy.done < busy.total)) return;
      observer.disconnect();
      window.__cancelledAt = label.textContent;
      document.getElementById('cancel-button').click();
    });
    observer.observe(label, { childList: true, characterData: true, subtree: true });
  }, phaseStart);
}

describe('files larger than memory', () => {
  test('a file fitted in passes over the File by both workers: scikit-learn top 10, the pass in the progress bar, Cancel mid-pass (file)', async () => {
    const session = await h.openPage(browser, sites.list[0].url + '#k=20');
    const { page } = session;
    try {
      await h.waitForFigure(page, 1);
      const setTopK = (windowBytes) => window.pcaExplorer.debug.setStreamAboveBytes(1 << 20, { windowBytes, solver: 'topk' });
      await page.evaluate(setTopK, WINDOW);
      // Every progress label of a pass, as the visitor reads it.
      await page.evaluate(() => {
        window.__passLabels = [];
        const label = document.getElementById('progress-label');
        new MutationObserver(() => {
          if (label.textContent.startsWith('Pass ')) window.__passLabels.push(label.textContent);
        }).observe(label, { childList: true, characterData: true, subtree: true });
      });
      const version = await h.datasetVersion(page);
      await h.dropFile(page, small);
      await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, version, { timeout: 120000 });
      await h.waitForFigure(page, 2);
      const figure = await h.figureVersion(page);
      assert.equal(await page.isVisible('#error'), false, await page.textContent('#error'));
      const timings = await page.evaluate(() => window.pcaExplorer.debug.timings().load);
      assert.deepEqual([timings.solver, timings.fitWorkers, timings.streamWorkers], ['randomized', 2, 2]);
      assert.ok(timings.passes >= 3, `${timings.passes} passes over the file`);
      const labels = await page.evaluate(() => window.__passLabels);
      assert.ok(labels.length > 0, 'the progress bar named a pass');
      assert.match(labels[0], /^Pass 2 of at most 17 over streamed-20000\.npy… [\d.]+ (kB|MB) of 15\.7 MB \(\d+%\)$/);
      assert.ok(
        labels.some((l) => /^Pass [3-9]/.test(l)),
        'a later pass too',
      );
      const dataset = await page.evaluate(() => {
        const d = window.pcaExplorer.debug.state().dataset;
        return { ev: Array.from(d.explainedVariance), ratio: Array.from(d.explainedVarianceRatio), n: d.nComponents };
      });
      assert.equal(dataset.n, 20);
      for (let i = 0; i < 10; i++) {
        const error = Math.abs(dataset.ev[i] - reference.ev[i]) / reference.ev[i];
        assert.ok(error <= 1e-3, `explained variance ${i}: relative error ${error}`);
        assert.ok(Math.abs(dataset.ratio[i] - reference.ratio[i]) <= 1e-3 * reference.ratio[i], `ratio ${i}`);
      }

      // Cancel in the middle of a pass over a larger file: the figure on screen stays.
      await page.evaluate(setTopK, WINDOW);
      const before = await page.evaluate(() => document.getElementById('dataset-name').textContent);
      await cancelAtProgress(page, 'pass ');
      await h.pickFile(page, large);
      const label = await page.waitForFunction(() => window.__cancelledAt, null, { timeout: 120000 }).then((handle) => handle.jsonValue());
      assert.match(label, /^Pass \d+ of at most 17 over streamed-150000\.npy… [\d.]+ (kB|MB) of 117\.6 MB \(\d+%\)$/);
      await page.waitForFunction(() => !document.getElementById('notice').hidden, null, { timeout: 30000 });
      assert.match(await page.textContent('#notice'), /^Cancelled\. Still showing streamed-20000\.npy/);
      assert.equal(await page.textContent('#dataset-name'), before);
      assert.equal(await h.figureVersion(page), figure);
      h.assertStayedLocal(session, sites.list[0].name);
    } finally {
      await session.close();
    }
  });

  for (const site of [0, 1]) {
    test(`a streamed file: PCA over all rows, the first kept, the figure plays (${site ? 'http' : 'file'})`, async () => {
      const session = await h.openPage(browser, sites.list[site].url);
      const { page } = session;
      try {
        await h.waitForFigure(page, 1);
        await lowerBudget(page);
        const version = await h.datasetVersion(page);
        if (site === 0) await h.dropFile(page, small);
        else await h.pickFile(page, small);
        await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, version, { timeout: 60000 });
        await h.waitForFigure(page, 2);
        assert.equal(await page.isVisible('#error'), false, await page.textContent('#error'));

        // The page says it was streamed, with the counts and the file's size.
        assert.equal(await page.isVisible('#streamed-note'), true);
        const note = (await page.textContent('#streamed-note')).replace(/\s/g, ' ');
        assert.equal(note, '20 000 images streamed (15.7 MB): PCA over all of them; the first 3 000 are kept for display');
        assert.match(await page.textContent('#dataset-name'), /streamed-20000\.npy: 20000 images of 28×28/);
        const info = await page.evaluate(() => window.pcaExplorer.debug.state().dataset.info);
        assert.deepEqual(
          { total: info.streamed.totalSamples, kept: info.streamed.keptSamples, samples: info.samples },
          { total: 20000, kept: KEPT, samples: KEPT },
        );
        assert.equal(info.valueMin, 0, 'the colour scale covers the rows beyond the window');
        assert.equal(info.valueMax, 255);
        assert.equal(await page.getAttribute('#sample-input', 'max'), String(KEPT - 1));
        const timings = await page.evaluate(() => window.pcaExplorer.debug.timings().load);
        assert.equal(timings.streamWorkers, 2, 'the helper worker read the second part of the file');

        // scikit-learn's PCA of all 20000 rows.
        const dataset = await page.evaluate(() => {
          const d = window.pcaExplorer.debug.state().dataset;
          return { ev: Array.from(d.explainedVariance), ratio: Array.from(d.explainedVarianceRatio), n: d.nComponents };
        });
        assert.equal(dataset.n, 50, 'the K asked for');
        assert.equal(dataset.ev.length, 784, "every eigenvalue: the exact fit's spectrum, for the chart");
        for (let i = 0; i < 50; i++) {
          assert.ok(
            Math.abs(dataset.ev[i] - reference.ev[i]) <= 1e-6 * reference.ev[0],
            `explained variance ${i}: ${dataset.ev[i]} vs ${reference.ev[i]}`,
          );
          assert.ok(Math.abs(dataset.ratio[i] - reference.ratio[i]) <= 1e-8, `ratio ${i}`);
        }

        // The last kept sample is reachable, not beyond; the figure plays with three panels.
        await page.fill('#sample-input', String(KEPT + 500));
        await page.dispatchEvent('#sample-input', 'change');
        await page.waitForFunction((k) => window.pcaExplorer.debug.state().sampleIndex === k - 1, KEPT);
        await h.waitForFigure(page, 3);
        await page.evaluate(() => window.pcaExplorer.debug.view().play());
        await page.waitForFunction(() => Number(document.body.dataset.frameIndex) >= 3, null, { timeout: 30000 });
        const snapshot = await h.figureSnapshot(page);
        assert.deepEqual(snapshot.panels, { xy: 1, x2y2: 1, x3y3: 1, x4y4: 0 });
        assert.equal(snapshot.original.length, 28);
        h.assertStayedLocal(session, sites.list[site].name);
      } finally {
        await session.close();
      }
    });
  }

  test('cancelling in the middle of a stream keeps the figure on screen (http)', async () => {
    const session = await h.openPage(browser, sites.list[1].url);
    const { page } = session;
    try {
      await h.waitForFigure(page, 1);
      await lowerBudget(page);
      const before = await page.evaluate(() => ({
        name: document.getElementById('dataset-name').textContent,
        figure: Number(document.body.dataset.figureVersion),
      }));
      // In the middle: Cancel is pressed by the page itself at the first streaming progress it
      // shows (a MutationObserver on the progress label runs in the same task as the progress
      // message), and the label of that moment kept. Polling from a timer instead could miss the
      // whole stream on a loaded machine (the worker's progress messages ran back to back before
      // the timer), and a cancel that reaches the worker after its last chunk is, rightly, too late.
      await page.evaluate(() => {
        const label = document.getElementById('progress-label');
        const observer = new MutationObserver(() => {
          const busy = window.pcaExplorer.debug.state().busy;
          if (!(busy && busy.phase === 'streaming' && busy.done > 0 && busy.done < busy.total)) return;
          observer.disconnect();
          window.__cancelledAt = label.textContent;
          document.getElementById('cancel-button').click();
        });
        observer.observe(label, { childList: true, characterData: true, subtree: true });
      });
      await h.pickFile(page, large);
      const label = await page.waitForFunction(() => window.__cancelledAt, null, { timeout: 60000 }).then((handle) => handle.jsonValue());
      assert.match(label, /^Streaming streamed-150000\.npy… [\d.]+ MB of 117\.6 MB \(\d+%\)$/);
      await page.waitForFunction(() => !document.getElementById('notice').hidden, null, { timeout: 30000 });
      assert.match(await page.textContent('#notice'), /^Cancelled\. Still showing /);
      await page.waitForFunction(() => document.body.dataset.busy !== 'true');
      const afterCancel = await page.evaluate(() => ({
        name: document.getElementById('dataset-name').textContent,
        figure: Number(document.body.dataset.figureVersion),
      }));
      assert.deepEqual(afterCancel, before);
      assert.equal(await page.isVisible('#streamed-note'), false);
      // The page still works: the next sample draws.
      await page.click('#next-sample');
      await h.waitForFigure(page, before.figure + 1);

      // NaN and Inf in both workers' parts: one message for the whole file, the figure stays.
      const errors = await h.errorVersion(page);
      await h.pickFile(page, nonFinite);
      await page.waitForFunction((v) => Number(document.body.dataset.errorVersion || 0) > v, errors, { timeout: 60000 });
      assert.equal(
        await page.textContent('#error'),
        'Could not open streamed-nan.npy: data contains 3 NaN or infinite values; the first is sample 100, row 0, column 5',
      );
      assert.equal(await page.textContent('#dataset-name'), before.name);
      assert.equal(await h.figureVersion(page), before.figure + 1);
      h.assertStayedLocal(session, 'cancel');
    } finally {
      await session.close();
    }
  });
});
