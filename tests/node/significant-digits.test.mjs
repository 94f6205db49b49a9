// web/page/significant-digits.js writes numbers as Intl.NumberFormat('en', {maximumSignificantDigits})
// does (the page's figure in words used Intl, whose first use costs a cold page 20-150 ms): the same
// text for seeded random numbers over every magnitude, and for the cases that differ most easily
// (halves, carries into a new digit, zeros, signs, the largest and smallest doubles).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { significant } from '../../web/page/significant-digits.js';

// mulberry32: a small seeded generator, so that a failure can be run again.
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EDGES = [
  0,
  -0,
  1,
  -1,
  0.5,
  1.0005,
  1.00049,
  2.5,
  9.9995,
  9.99949,
  99995,
  999950,
  12345,
  123450,
  1234.5,
  0.00012345,
  0.1 + 0.2,
  1e21,
  1e-7,
  1.5e-10,
  123456789012,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.EPSILON,
  NaN,
  Infinity,
  -Infinity,
  4419228.0380310295,
];

for (const digits of [1, 3, 4, 6]) {
  test(`the same text as Intl with at most ${digits} significant digits`, () => {
    const intl = new Intl.NumberFormat('en', { maximumSignificantDigits: digits });
    const next = random(digits);
    const values = [...EDGES];
    for (let i = 0; i < 3000; i++) {
      const value = (next() - 0.2) * 10 ** Math.floor(next() * 40 - 20);
      values.push(value, Number(value.toPrecision(digits + 1))); // the second often a half
    }
    const differ = values.filter((v) => significant(v, digits) !== intl.format(v));
    assert.deepEqual(
      differ.slice(0, 5).map((v) => [v, significant(v, digits), intl.format(v)]),
      [],
      `${differ.length} of ${values.length} numbers differ`,
    );
  });
}
