// The bad-input table (tests/fixtures/bad_inputs.py) in the real page: each case marked "page" is
// picked from disk as a visitor would; a refused file shows the table's message and the figure on
// screen stays, a degenerate file draws only finite numbers (no variance: the page says so), and
// the page stays usable. The picked files are never written to. A real fault inside the worker's
// WebAssembly module (abort, trap) is reported, a fresh worker is started, and the next file works.
'use strict';

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { after, before, describe, test } = require('node:test');
const h = require('./helpers');

const ROOT = path.resolve(__dirname, '..', '..');
let browser;
let sites;
let tmp;
let table;
let fixture;

before(async () => {
  browser = await h.launchBrowser();
  sites = await h.targets();
  tmp = h.tempDir('pcarecon-e2e-bad-');
  execFileSync('/usr/bin/python3', [path.join(ROOT, 'tests', 'fixtures', 'bad_inputs.py'), tmp], { stdio: 'ignore' });
  table = JSON.parse(fs.readFileSync(path.join(tmp, 'manifest.json'), 'utf8'));
  fixture = h.writeFixtures(path.join(tmp, 'good'));
});

after(async () => {
  if (browser) await browser.close();
  if (sites) await sites.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// What the disk holds for a file: its bytes' hash, size and modification time.
function fingerprint(file) {
  const stat = fs.statSync(file);
  return {
    sha256: crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
    size: stat.size,
    mtimeMs: stat.mtimeMs,
  };
}

const bodyNumber = (page, key) => page.evaluate((k) => Number(document.body.dataset[k] || 0), key);
const idle = (page) => page.waitForFunction(() => document.body.dataset.busy !== 'true', null, { timeout: 60000 });

// Picks a file and waits until the page has answered: a new dataset or a new error, then idle.
async function pick(page, file) {
  const datasets = await bodyNumber(page, 'datasetVersion');
  const errors = await bodyNumber(page, 'errorVersion');
  await h.pickFile(page, file);
  await page.waitForFunction(
    ([d, e]) => Number(document.body.dataset.datasetVersion || 0) > d || Number(document.body.dataset.errorVersion || 0) > e,
    [datasets, errors],
    { timeout: 60000 },
  );
  await idle(page);
}

// Every heatmap value plotly holds and the distortion curve: all must be finite numbers.
async function figureValues(page) {
  return page.evaluate(() => {
    const gd = document.getElementById('figure');
    const out = [];
    for (const trace of gd.calcdata) {
      const t = trace[0];
      // A heatmap row holds numbers, an RGB image row holds [r, g, b] pixels.
      if (t.z) for (const row of t.z) for (const v of row) out.push(...(typeof v === 'number' ? [v] : Array.from(v)));
    }
    // The page's marks of the variance shares are left out: an empty one holds no point (null).
    for (const t of gd._fullData) if (t.type === 'scatter' && !/ of the variance$/.test(t.name || '')) out.push(...Array.from(t.y));
    return out;
  });
}

function assertPanels(snapshot, when) {
  assert.deepEqual(snapshot.panels, { xy: 1, x2y2: 1, x3y3: 1, x4y4: 0 }, when);
}

describe('bad inputs in the page', () => {
  test('each representative case: its message or finite figure, the page usable after, the file untouched (file://)', async () => {
    const session = await h.openPage(browser, sites.list[0].url);
    const { page } = session;
    try {
      await h.waitForFigure(page, 1);
      const shown = () => page.textContent('#dataset-name');
      let onScreen = await shown();
      const cases = table.filter((c) => c.page);
      assert.ok(cases.length >= 12, `${cases.length} page cases`);
      for (const c of cases) {
        const file = path.join(tmp, c.file);
        const before = fingerprint(file);
        const datasets = await bodyNumber(page, 'datasetVersion');
        await pick(page, file);
        const what = `${c.name} (${c.what})`;
        if (c.error !== null) {
          const message = await page.textContent('#error');
          assert.equal(message, `Could not open ${c.file}: ${c.error}`, what);
          if (c.stage === 'load') assert.equal(await shown(), onScreen, `${what}: the dataset on screen stays`);
          if (c.stage === 'fit') {
            // The worker now holds the file it could not fit: the page reloads the one on screen.
            await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, datasets, { timeout: 60000 });
            await idle(page);
            assert.equal(await shown(), onScreen, `${what}: the dataset on screen is back`);
          }
        } else {
          assert.equal(await page.isVisible('#error'), false, `${what}: ${await page.textContent('#error')}`);
          const rgb = c.behaviour.channels === 3 ? ' RGB' : '';
          const line = `^${c.file}: ${c.behaviour.samples} images of ${c.behaviour.height}×${c.behaviour.width}${rgb},`;
          assert.match(await shown(), new RegExp(line), what);
          onScreen = await shown();
          const values = await figureValues(page);
          assert.ok(values.length > 0 && values.every(Number.isFinite), `${what}: every value in the figure is finite`);
          const summary = await page.textContent('#variance-summary');
          if (c.behaviour.zero_variance) {
            assert.equal(
              summary,
              'Every image is identical: there is no variance to explain, so every reconstruction is the mean image.',
              what,
            );
          } else {
            assert.match(summary, /^The first \d+ of \d+ components explain \d+\.\d% of the variance\.$/, what);
          }
        }
        assertPanels(await h.figureSnapshot(page), `after ${what}`);
        assert.deepEqual(fingerprint(file), before, `${what}: the file on disk is unchanged`);
      }
      // Still usable: a good file loads, plays to its end, and is left as it was on disk.
      const good = fixture('plain.npy');
      const before = fingerprint(good);
      await pick(page, good);
      assert.match(await shown(), /^plain\.npy: 40 images of 9×7/);
      assert.equal(await page.isVisible('#error'), false);
      await page.locator('#figure').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('End');
      await page.waitForFunction(() => Number(document.body.dataset.frameIndex) === window.pcaExplorer.debug.view().count - 1);
      assertPanels(await h.figureSnapshot(page), 'plain.npy at its last frame');
      assert.deepEqual(fingerprint(good), before, 'plain.npy on disk is unchanged');

      h.assertStayedLocal(session);
    } finally {
      await session.close();
    }
  });
});

describe('worker faults', () => {
  test('an abort and a trap inside the module: reported, a fresh worker, the dataset back, the next file works (http)', async () => {
    const session = await h.openPage(browser, sites.list[1].url);
    const { page } = session;
    try {
      await h.waitForFigure(page, 1);
      await page.click('#next-sample');
      await h.waitForFigure(page, 2);
      for (const [fault, pattern] of [
        ['abort', /aborted/i],
        ['trap', /unreachable/],
      ]) {
        const datasets = await bodyNumber(page, 'datasetVersion');
        await page.evaluate((f) => window.pcaExplorer.debug.faultWorker(f), fault);
        await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, datasets, { timeout: 60000 });
        await idle(page);
        const message = await page.textContent('#error');
        assert.match(message, /^The computation stopped \(/, `${fault}: ${message}`);
        assert.match(message, pattern, `${fault}: ${message}`);
        assert.match(message, /A fresh engine was started and your data reloaded\.$/, fault);
        assert.match(await page.textContent('#dataset-name'), /fashion-mnist-sample\.npy/, fault);
        assert.equal(await page.inputValue('#sample-input'), '1', `${fault}: the same sample`);
        assert.equal(
          await page.getAttribute('body', 'data-fit-count'),
          '0',
          `${fault}: the built-in sample's model made at build time, no fit in the fresh worker`,
        );
        assertPanels(await h.figureSnapshot(page), `after the ${fault}`);
      }
      // The next file works in the fresh worker.
      await pick(page, fixture('other.npy'));
      assert.match(await page.textContent('#dataset-name'), /^other\.npy: 30 images of 6×6/);
      assert.equal(await page.isVisible('#error'), false);
      assertPanels(await h.figureSnapshot(page), 'other.npy');
      h.assertStayedLocal(session);
    } finally {
      await session.close();
    }
  });
});
