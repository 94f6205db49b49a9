// web/page/url-state.js: the view in the URL hash, parsed and formatted (the page's behaviour with it
// is tested end to end in tests/e2e/url-state.test.js).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { parse, format, KEYS, SPEED, clampView, clampInt } from '../../web/page/url-state.js';

describe('parse', () => {
  test('reads the four fields, with or without the #', () => {
    const expected = { view: { sampleIndex: 3, nComponents: 20, step: 2, frameDurationMs: 50 }, rest: [] };
    assert.deepEqual(parse('#sample=3&k=20&step=2&speed=50'), expected);
    assert.deepEqual(parse('sample=3&k=20&step=2&speed=50'), expected);
    assert.deepEqual(parse('#speed=50&step=2&k=20&sample=3'), expected, 'in any order');
  });

  test('an empty or missing hash gives no fields', () => {
    for (const hash of ['', '#', undefined, null]) assert.deepEqual(parse(hash), { view: {}, rest: [] }, String(hash));
  });

  test('values that are not numbers are dropped, the others kept', () => {
    assert.deepEqual(parse('#sample=3&k=abc').view, { sampleIndex: 3 });
    for (const bad of ['', 'abc', '3abc', '0x10', '1e3', 'Infinity', 'NaN', '-', '.', '1.2.3']) {
      assert.deepEqual(parse(`#k=${encodeURIComponent(bad)}`).view, {}, `k=${bad}`);
    }
  });

  test('numbers are clamped: sample at least 0, k and step at least 1, speed within the slider', () => {
    assert.deepEqual(parse('#sample=-4&k=0&step=-2&speed=-5').view, {
      sampleIndex: 0,
      nComponents: 1,
      step: 1,
      frameDurationMs: SPEED.min,
    });
    assert.equal(parse('#speed=99999').view.frameDurationMs, SPEED.max);
    assert.equal(parse('#sample=1e400').view.sampleIndex, undefined, 'not a plain decimal');
    assert.equal(parse(`#sample=${'9'.repeat(40)}`).view.sampleIndex, Number.MAX_SAFE_INTEGER, 'huge stays a safe integer');
  });

  test('fractions round to whole numbers, speed to the slider step', () => {
    assert.deepEqual(parse('#sample=2.6&k=+7&step=1.4&speed=54').view, {
      sampleIndex: 3,
      nComponents: 7,
      step: 1,
      frameDurationMs: 50,
    });
    assert.equal(parse('#speed=55').view.frameDurationMs, 60);
    assert.equal(parse('#k=%2020%20').view.nComponents, 20, 'spaces around a number are allowed');
  });

  test('the last of repeated keys wins', () => {
    assert.equal(parse('#k=5&k=9').view.nComponents, 9);
  });

  test('unknown keys are kept, in order, with their values', () => {
    assert.deepEqual(parse('#member=train%20x&sample=1&zoom=2&member=b').rest, [
      ['member', 'train x'],
      ['zoom', '2'],
      ['member', 'b'],
    ]);
  });
});

describe('format', () => {
  test('writes the fields in a fixed order', () => {
    assert.equal(format({ frameDurationMs: 50, step: 2, nComponents: 20, sampleIndex: 3 }), '#sample=3&k=20&step=2&speed=50');
    assert.deepEqual(Object.values(KEYS), ['sample', 'k', 'step', 'speed']);
  });

  test('skips fields that are not set', () => {
    assert.equal(format({ sampleIndex: 0 }), '#sample=0', '0 is a value');
    assert.equal(format({ sampleIndex: 1, nComponents: undefined, step: null, frameDurationMs: NaN }), '#sample=1');
    assert.equal(format({}), '');
    assert.equal(format(null), '');
  });

  test('keeps the unknown keys of the previous hash and replaces its known ones', () => {
    assert.equal(format({ sampleIndex: 4, nComponents: 9 }, '#member=a%26b&sample=1&k=abc'), '#sample=4&k=9&member=a%26b');
    assert.equal(format({}, '#member=x'), '#member=x');
  });

  test('parse(format(view)) is the view', () => {
    const view = { sampleIndex: 12, nComponents: 784, step: 7, frameDurationMs: 1000 };
    assert.deepEqual(parse(format(view, '#member=m')), { view, rest: [['member', 'm']] });
  });
});

describe('clampView', () => {
  const current = { sampleIndex: 4, nComponents: 20, step: 2 };
  const limits = { samples: 10, components: 50 };

  test('keeps a view inside the dataset as it is, fields missing taken from the current view', () => {
    assert.deepEqual(clampView({ sampleIndex: 9, nComponents: 50, step: 5 }, current, limits), {
      sampleIndex: 9,
      nComponents: 50,
      step: 5,
    });
    assert.deepEqual(clampView({}, current, limits), current);
    assert.deepEqual(clampView({ nComponents: 30 }, current, limits), { sampleIndex: 4, nComponents: 30, step: 2 });
  });

  test('clamps each field to the dataset, and the step to the K it ends up with', () => {
    assert.deepEqual(clampView({ sampleIndex: 10, nComponents: 51, step: 60 }, current, limits), {
      sampleIndex: 9,
      nComponents: 50,
      step: 50,
    });
    assert.deepEqual(clampView({ sampleIndex: -3, nComponents: 0, step: 0 }, current, limits), { sampleIndex: 0, nComponents: 1, step: 1 });
    assert.deepEqual(clampView({ nComponents: 3 }, { sampleIndex: 0, nComponents: 20, step: 10 }, limits), {
      sampleIndex: 0,
      nComponents: 3,
      step: 3,
    });
    assert.deepEqual(clampView({ sampleIndex: 2.6 }, current, limits).sampleIndex, 3, 'rounded');
  });

  test('clampInt: a value that is not a number gives the lower bound', () => {
    assert.equal(clampInt('x', 1, 5), 1);
    assert.equal(clampInt(NaN, 0, 5), 0);
    assert.equal(clampInt('7', 0, 5), 5);
  });
});
