// Motion and accessibility on the real page, one page for the whole file: axe-core (npm) finds no
// serious or critical violation on the default page (light and dark), after a file loads and with
// the .npz chooser open; with prefers-reduced-motion nothing plays by itself and nothing moves by
// CSS; the aria-live line says k, the share of the variance and the distortion as k changes; the
// distortion curve has a text alternative; every control is reached with Tab, with a visible focus.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { after, before, describe, test } = require('node:test');
const h = require('./helpers');

const PYTHON = '/usr/bin/python3';
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let browser;
let session;
let page;
let dir;
const started = Date.now();

before(async () => {
  browser = await h.launchBrowser();
  dir = h.tempDir('pcarecon-a11y-');
  session = await h.openFilePage(browser);
  page = session.page;
});

after(async () => {
  if (session) h.assertStayedLocal(session, 'accessibility');
  if (browser) await browser.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  console.log(`# accessibility.test.js: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

// axe-core's serious and critical violations on the page as it is: [{id, impact, nodes}].
async function seriousViolations() {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const results = await window.axe.run(document, { resultTypes: ['violations'], preload: false });
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
}

describe('axe-core', () => {
  test('no serious or critical violation on the default page, light and dark', async () => {
    assert.deepEqual(await seriousViolations(), [], 'light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    assert.deepEqual(await seriousViolations(), [], 'dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('none after a file loads, nor with the .npz chooser open', async () => {
    let version = await h.datasetVersion(page);
    await h.pickFile(page, h.DEFAULT_DATASET);
    await page.waitForFunction((v) => Number(document.body.dataset.datasetVersion || 0) > v, version);
    await h.waitForFigure(page, 1);
    assert.deepEqual(await seriousViolations(), [], 'after a file loads');

    const archive = path.join(dir, 'two-stacks.npz');
    execFileSync(PYTHON, [
      '-c',
      'import numpy as np, sys; r = np.random.default_rng(0); np.savez(sys.argv[1], digits=r.integers(0, 255, (20, 8, 8), dtype=np.uint8), faces=r.random((12, 6, 6)), labels=np.arange(20))',
      archive,
    ]);
    await h.pickFile(page, archive);
    await page.waitForSelector('#npz-chooser', { state: 'visible', timeout: 30000 });
    assert.deepEqual(await seriousViolations(), [], 'with the .npz chooser open');
    await page.click('#npz-chooser-cancel');
    await page.waitForSelector('#npz-chooser', { state: 'hidden' });
    version = await h.figureVersion(page);
    assert.ok(version >= 1);
  });
});

describe('motion', () => {
  // The longest CSS transition or animation of any element, in seconds.
  const longestMotion = () =>
    page.evaluate(() => {
      const seconds = (text) =>
        Math.max(
          0,
          ...String(text)
            .split(',')
            .map((t) => parseFloat(t) || 0),
        );
      let longest = 0;
      for (const element of document.querySelectorAll('*')) {
        const style = getComputedStyle(element);
        longest = Math.max(longest, seconds(style.transitionDuration), seconds(style.animationDuration));
      }
      return longest;
    });

  test('with prefers-reduced-motion nothing moves by itself', async () => {
    assert.ok((await longestMotion()) > 0, "plotly's own CSS has transitions (its mode bar)");
    await page.emulateMedia({ reducedMotion: 'reduce' });
    assert.equal(await longestMotion(), 0, 'no transition or animation under reduced motion');
    // A new figure drawn under reduced motion stays on its first frame: nothing plays.
    const version = await h.figureVersion(page);
    await page.selectOption('#colormap-select', 'viridis');
    await h.waitForFigure(page, version + 1);
    assert.equal(await page.getAttribute('body', 'data-playing'), 'false');
    assert.equal(await page.getAttribute('body', 'data-frame-index'), '0');
    await page.emulateMedia({ reducedMotion: 'no-preference' });
  });
});

describe('the figure in words', () => {
  test('an aria-live line says k, the variance and the distortion as k changes', async () => {
    const live = await page.getAttribute('#frame-status', 'aria-live');
    assert.equal(live, 'polite');
    const expected = () =>
      page.evaluate(() => {
        const gd = document.getElementById('figure');
        const k = Number(document.body.dataset.frameK);
        const title = gd._fullLayout.title.text; // "Sample 0: k = 50 of 50 components — 87.5% of variance"
        const [, K, share] = /of (\d+) components? — ([>\d.]+)% of variance/.exec(title);
        const distortion = new Intl.NumberFormat('en', { maximumSignificantDigits: 4 }).format(gd.data[3].y[k]);
        return `k = ${k} of ${K}: ${share} % of the variance, distortion ${distortion}`;
      });
    assert.equal(await page.textContent('#frame-status'), await expected());
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    await page.keyboard.press('End'); // the figure's key: the last k
    await page.waitForFunction(() => document.body.dataset.frameK === '50');
    await page.waitForFunction(() => /^k = 50 of 50: /.test(document.getElementById('frame-status').textContent));
    assert.equal(await page.textContent('#frame-status'), await expected());
    assert.match(await page.textContent('#frame-status'), /^k = 50 of 50: \d+\.\d % of the variance, distortion [\d,.]+$/);
    // While it plays, the line says so once (not a stale k, not one announcement per frame).
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.body.dataset.playing === 'true');
    assert.equal(await page.textContent('#frame-status'), "Playing k = 0 to 50; pause to read a frame's values.");
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.body.dataset.playing === 'false');
    assert.equal(await page.textContent('#frame-status'), await expected());
  });

  test('the distortion curve as a sentence and a table of the frames', async () => {
    const text = await page.evaluate(() => {
      const gd = document.getElementById('figure');
      return {
        describedBy: gd.getAttribute('aria-describedby'),
        sentence: document.getElementById('distortion-summary').textContent,
        rows: [...document.querySelectorAll('#distortion-table tbody tr')].map((r) => [...r.cells].map((c) => c.textContent)),
        frames: gd._transitionData._frames.length,
        first: gd.data[3].y[0],
      };
    });
    assert.equal(text.describedBy, 'distortion-summary');
    assert.match(
      text.sentence,
      /^Distortion ‖x − x̂ₖ‖² of sample 0 against k: [\d,.]+ at k = 0, [\d,.]+ at k = 50 \([\d.]+ % of it left\); half of it is gone by k = \d+; 90 % by k = \d+\.$/,
    );
    assert.equal(text.rows.length, text.frames, 'one row per frame');
    assert.deepEqual(text.rows[0], ['0', new Intl.NumberFormat('en', { maximumSignificantDigits: 4 }).format(text.first), '0.0 %']);
  });
});

describe('keyboard', () => {
  test('Tab reaches every control, each with a visible focus ring', async () => {
    // Every visible, enabled control, marked so that each is known by itself (the thumbnails have
    // neither id nor text).
    const controls = await page.evaluate(() =>
      [...document.querySelectorAll('button, input, select, summary, a[href]')]
        .filter((e) => !e.disabled && !e.closest('[hidden]') && !(e.closest('details:not([open])') && e.tagName !== 'SUMMARY'))
        .filter((e) => e.id === 'file-input' || e.getClientRects().length)
        .map((e, i) => {
          e.dataset.tabTest = String(i);
          return e.id || e.getAttribute('aria-label') || e.textContent.trim().slice(0, 30) || `#${i}`;
        }),
    );
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    const reached = new Map(); // mark -> focus ring visible
    for (let i = 0; i < 3 * controls.length; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const e = document.activeElement;
        if (!e || e === document.body) return null;
        // The file input is visually hidden: its label shows the ring (style.css).
        const shown = e.id === 'file-input' ? document.querySelector('label.file-button') : e;
        const style = getComputedStyle(shown);
        // Seen: the ring drawn, and nothing around it transparent (plotly's mode bar shows on hover).
        let opacity = 1;
        for (let at = shown; at; at = at.parentElement) opacity *= Number(getComputedStyle(at).opacity);
        const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 && opacity > 0.5;
        return { mark: e.dataset.tabTest, ring };
      });
      if (!focused) continue;
      if (reached.has(focused.mark)) break; // round the page once
      reached.set(focused.mark, focused.ring);
    }
    const missing = controls.filter((_, i) => !reached.has(String(i)));
    assert.deepEqual(missing, [], 'every control is reached with Tab');
    const noRing = controls.filter((_, i) => reached.get(String(i)) === false);
    assert.deepEqual(noRing, [], 'every focused control shows a focus ring');
    // The Play button plays and pauses from the keyboard.
    await page.focus('#play-button');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.body.dataset.playing === 'true' || document.body.dataset.frameK !== '50');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.body.dataset.playing === 'false');
  });
});

describe('a narrow window', () => {
  test('the slider, its "k =" label and the Play/Pause buttons keep clear of each other', async () => {
    const size = page.viewportSize();
    await page.setViewportSize({ width: 700, height: 1000 });
    try {
      // plotly redraws a responsive figure on the window's resize event, later.
      await page.waitForFunction(() => /** @type {any} */ (document.getElementById('figure'))._fullLayout.width < 700);
      const boxes = await page.evaluate(() => {
        const box = (/** @type {string} */ selector) => {
          const found = document.querySelector(`#figure ${selector}`);
          return found && found.getBoundingClientRect().toJSON();
        };
        return {
          buttons: box('.updatemenu-container'),
          rail: box('.slider-container .slider-rail-rect'),
          // plotly draws the current value as a text of the slider's group (class slider-label).
          label:
            [...document.querySelectorAll('#figure .slider-group > text')]
              .find((t) => t.textContent.startsWith('k = '))
              ?.getBoundingClientRect()
              .toJSON() || null,
        };
      });
      const { buttons, rail, label } = boxes;
      assert.ok(buttons && rail && label, `all drawn: ${JSON.stringify(boxes)}`);
      const apart = (/** @type {DOMRect} */ a, /** @type {DOMRect} */ b) =>
        a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
      assert.ok(apart(buttons, rail), `buttons ${JSON.stringify(buttons)}, rail ${JSON.stringify(rail)}`);
      assert.ok(apart(buttons, label), `buttons ${JSON.stringify(buttons)}, label ${JSON.stringify(label)}`);
    } finally {
      if (size) await page.setViewportSize(size);
    }
  });
});
