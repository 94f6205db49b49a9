// A number with at most a few significant digits, written as Intl.NumberFormat('en',
// {maximumSignificantDigits}) writes it -- thousands grouped with commas, no exponent, trailing
// zeros dropped, a half rounded away from zero on the shortest decimal that reads back as the
// number -- without Intl: its first use in a page loads ICU's data, 20-150 ms of a cold page's
// thread before the first figure (README, "A first visit"). tests/node/significant-digits.test.mjs
// compares it with Intl.

/**
 * @param {number} x
 * @param {number} digits at most this many significant digits (1..21)
 * @returns {string}
 */
export function significant(x, digits) {
  if (Number.isNaN(x)) return 'NaN';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const magnitude = Math.abs(x);
  if (magnitude === Infinity) return `${sign}∞`;
  if (magnitude === 0) return `${sign}0`;
  const [mantissa, exponent] = magnitude.toExponential().split('e'); // the shortest digits that read back as x
  let figures = mantissa.replace('.', '');
  let point = Number(exponent) + 1; // digits before the decimal point
  if (figures.length > digits) {
    const up = figures[digits] >= '5';
    figures = figures.slice(0, digits);
    if (up) {
      const carried = String(BigInt(figures) + 1n);
      if (carried.length > digits) point += 1; // 9.9995 -> 10
      figures = carried.slice(0, digits);
    }
  }
  figures = figures.replace(/0+$/, '');
  const whole = point > 0 ? figures.slice(0, point).padEnd(point, '0') : '0';
  const fraction = point > 0 ? figures.slice(point) : '0'.repeat(-point) + figures;
  return sign + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (fraction ? `.${fraction}` : '');
}
