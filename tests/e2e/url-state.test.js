// The view in the URL hash (web/page/url-state.js + page/app.js): a link with #sample=3&k=20&step=2&speed=50
// opens that view of the default dataset; every change of those controls rewrites the hash in
// place (no history entry); editing the hash applies it; bad values are dropped or clamped with no
// error; a dropped file opens at the hash's view, clamped to that file. From file:// and from http.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const { after, before, describe, test } = require('node:test');
const h = require('./helpers');

let browser;
let sites;
let tmp;
let fixture;
let reference; // scikit-learn on the default dataset, sample 3, k = 20

before(async () => {
  browser = await h.launchBrowser();
  sites = await h.targets();
  tmp = h.tempDir('pcarecon-hash-');
  fixture = h.writeFixtures(tmp);
  reference = h.sklearnReference(h.DEFAULT_DATASET, 3, 20, [20]);
});

after(async () => {
  if (browser) await browser.close();
  if (sites) await sites.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

// The controls, the figure and the hash as the page shows them.
async function view(page) {
  return page.evaluate(() => {
    const value = (id) => document.getElementById(id).value;
    const gd = document.getElementById('figure');
    return {
      sample: value('sample-input'),
      k: value('k-input'),
      step: value('step-input'),
      speed: value('speed-input'),
      speedShown: document.getElementById('speed-output').textContent,
      title: gd._fullLayout.title.text,
      frames: window.pcaExplorer.debug.view().count,
      playMs: window.pcaExplorer.debug.view().frameDurationMs,
      hash: location.hash,
      history: history.length,
    };
  });
}

// Runs `action`, then waits for the next figure.
async function nextFigure(page, action) {
  const version = await h.figureVersion(page);
  await action();
  await h.waitForFigure(page, version + 1);
}

async function setInput(page, selector, value) {
  await page.fill(selector, String(value));
  await page.dispatchEvent(selector, 'change');
}

async function dropAndWait(page, file) {
  const version = await h.datasetVersion(page);
  await h.dropFile(page, file);
  await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, version, { timeout: 30000 });
  await h.waitForFigure(page, 1);
}

describe('the view in the URL hash', () => {
  for (const site of [0, 1]) {
    const where = site ? 'http' : 'file';
    test(`a link opens its view; changes and edits follow the hash (${where})`, async () => {
      const session = await h.openPage(browser, `${sites.list[site].url}#sample=3&k=20&step=2&speed=50&member=train`);
      const { page } = session;
      try {
        await h.waitForFigure(page, 1);
        // Opened at the link's view.
        let shown = await view(page);
        assert.deepEqual([shown.sample, shown.k, shown.step, shown.speed, shown.speedShown], ['3', '20', '2', '50', '50 ms']);
        assert.match(shown.title, /^Sample 3: k = 0 of 20 components/);
        assert.equal(shown.frames, 11, 'k = 0, 2, ..., 20');
        assert.equal(shown.playMs, 50, "plays at the link's speed");
        assert.equal(shown.hash, '#sample=3&k=20&step=2&speed=50&member=train', 'unknown keys kept');
        const snapshot = await h.figureSnapshot(page);
        const diff = h.maxAbsDiff(snapshot.original, reference.original);
        assert.ok(diff <= 1e-4 * reference.range, `sample 3 of the file is shown (differs by ${diff})`);
        const history0 = shown.history;

        // Changing the controls rewrites the hash, with no new history entry.
        await nextFigure(page, () => page.click('#next-sample'));
        assert.equal((await view(page)).hash, '#sample=4&k=20&step=2&speed=50&member=train');
        await nextFigure(page, () => setInput(page, '#k-input', 30));
        shown = await view(page);
        assert.equal(shown.hash, '#sample=4&k=30&step=2&speed=50&member=train');
        assert.match(shown.title, /^Sample 4: k = 0 of 30 components/);
        await page.evaluate(() => {
          const speed = document.getElementById('speed-input');
          speed.value = '200';
          speed.dispatchEvent(new Event('input', { bubbles: true }));
        });
        assert.equal((await view(page)).hash, '#sample=4&k=30&step=2&speed=200&member=train');
        assert.equal((await view(page)).history, history0, 'no history entry per change');

        // Editing the hash applies it.
        await nextFigure(page, () => page.evaluate(() => (location.hash = '#sample=7&k=10&step=1&speed=100')));
        shown = await view(page);
        assert.deepEqual([shown.sample, shown.k, shown.step, shown.speed], ['7', '10', '1', '100']);
        assert.match(shown.title, /^Sample 7: k = 0 of 10 components/);
        assert.equal(shown.frames, 11);
        assert.equal(shown.playMs, 100);

        // Bad values: not numbers are dropped (K stays), out of range clamped, no error.
        await nextFigure(page, () => page.evaluate(() => (location.hash = '#sample=-4&k=abc&step=2')));
        shown = await view(page);
        assert.deepEqual([shown.sample, shown.k, shown.step], ['0', '10', '2']);
        assert.equal(shown.hash, '#sample=0&k=10&step=2&speed=100', 'the hash shows the view again');
        await nextFigure(page, () => page.evaluate(() => (location.hash = '#sample=99999&k=0&step=0&speed=5')));
        shown = await view(page);
        assert.deepEqual([shown.sample, shown.k, shown.step, shown.speed], ['999', '1', '1', '20']);
        assert.match(shown.title, /^Sample 999: k = 0 of 1 component /);
        assert.equal(shown.hash, '#sample=999&k=1&step=1&speed=20');
        assert.equal(await page.isHidden('#error'), true, 'no error for bad values in the hash');

        // A dropped file opens at the hash's view, clamped to it: plain.npy has 40 samples, 40 components.
        await page.evaluate(() => (location.hash = '#sample=35&k=45&step=3&speed=60'));
        await page.waitForFunction(() => document.getElementById('sample-input').value === '35');
        await dropAndWait(page, fixture('plain.npy'));
        shown = await view(page);
        assert.deepEqual([shown.sample, shown.k, shown.step, shown.speed], ['35', '40', '3', '60']);
        assert.match(shown.title, /^Sample 35: k = 0 of 40 components/);
        assert.equal(shown.hash, '#sample=35&k=40&step=3&speed=60');
        // other.npy: 30 samples of 6×6.
        await dropAndWait(page, fixture('other.npy'));
        shown = await view(page);
        const fitted = await page.evaluate(() => window.pcaExplorer.debug.state().dataset.nComponents);
        assert.ok(fitted < 40, `other.npy has ${fitted} components`);
        assert.deepEqual([shown.sample, shown.k, shown.step], ['29', String(fitted), '3']);
        assert.equal(shown.hash, `#sample=29&k=${fitted}&step=3&speed=60`);

        assert.equal(await page.isHidden('#error'), true, 'no error shown');
        h.assertStayedLocal(session, where);
      } finally {
        await session.close();
      }
    });
  }

  test('a link with bad values opens the default view with no error', async () => {
    const session = await h.openPage(browser, `${sites.list[0].url}#sample=-4&k=abc&step=x&speed=`);
    const { page } = session;
    try {
      await h.waitForFigure(page, 1);
      const shown = await view(page);
      assert.deepEqual([shown.sample, shown.k, shown.step, shown.speed], ['0', '50', '1', '100']);
      assert.equal(shown.hash, '#sample=0&k=50&step=1&speed=100');
      assert.equal(await page.isHidden('#error'), true);
      h.assertStayedLocal(session);
    } finally {
      await session.close();
    }
  });
});
