// web/page/variance-shares.js sharesText: the line under the variance chart naming how many
// components reach 90, 95 and 99 % of the variance; the shares not reached are said together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharesText } from '../../web/page/variance-shares.js';

const shares = (...ks) => [0.9, 0.95, 0.99].map((share, i) => ({ share, k: ks[i] }));

test('every share reached: each with its k', () => {
  assert.equal(
    sharesText(shares(4, 5, 10), 50),
    '90 % of the variance: k = 4 · 95 % of the variance: k = 5 · 99 % of the variance: k = 10',
  );
});

test('the shares not reached are said once, together, after those reached', () => {
  assert.equal(
    sharesText(shares(4, 5, null), 50),
    '90 % of the variance: k = 4 · 95 % of the variance: k = 5 · 99 % needs more than 50 components',
  );
  assert.equal(sharesText(shares(12, null, null), 50), '90 % of the variance: k = 12 · 95 % and 99 % need more than 50 components');
  assert.equal(sharesText(shares(null, null, null), 3), '90 %, 95 % and 99 % need more than 3 components');
  assert.equal(sharesText(shares(null, null, null), 1), '90 %, 95 % and 99 % need more than 1 component');
});

test('no shares: nothing to say', () => {
  assert.equal(sharesText(undefined, 50), '');
  assert.equal(sharesText([], 50), '');
});
