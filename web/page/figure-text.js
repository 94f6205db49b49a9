// The figure in words, for screen readers and anyone who cannot see the chart: the line announced
// (aria-live) as k changes -- "k = 12 of 50: 87.5 % of the variance, distortion 1,234" -- and the
// distortion curve as a sentence and a table of the frames shown. The numbers are the module's:
// the figure's distortion line and the fit's explained variance ratios.
import { significant } from './significant-digits.js';

// Intl.NumberFormat('en', {maximumSignificantDigits: 4}) without Intl (significant-digits.js: its
// first use cost a first visit 20-150 ms before the figure).
const NUMBER = { format: (/** @type {number} */ x) => significant(x, 4) };

// One decimal, rounded down, as the figure's title words it (wasm/figure.cpp percent()): a share
// never reads as more than it is (89.96 % is 89.9, not the 90.0 that "90 % needs more than 50
// components" beside it denies), and one short of the whole never reads 100.0 (">99.9").
function percent(ratio) {
  if (ratio < 1 - 1e-9 && 100 * ratio >= 99.95) return '>99.9';
  return (Math.floor(1000 * ratio + 1e-6) / 10).toFixed(1); // 1e-6: 0.29's binary error
}

/**
 * The cumulative explained variance ratio after each k = 0..n.
 * @param {ArrayLike<number>} ratios
 * @param {number} n
 */
function cumulativeRatios(ratios, n) {
  const out = [0];
  for (let k = 1; k <= n; k++) out.push(out[k - 1] + (ratios[k - 1] || 0));
  return out;
}

/**
 * @param {{k: number, K: number, cumulative: number[], distortion: ArrayLike<number>}} at
 * @returns {string} the line announced for the frame on screen
 */
function frameLine({ k, K, cumulative, distortion }) {
  return `k = ${k} of ${K}: ${percent(cumulative[k])} % of the variance, distortion ${NUMBER.format(distortion[k])}`;
}

/**
 * The line while the animation plays: said once, since a line per frame would be read out over
 * and over (the line is aria-live), and a paused frame's values would be wrong on screen.
 * @param {{K: number}} curve
 */
function playingLine({ K }) {
  return `Playing k = 0 to ${K}; pause to read a frame's values.`;
}

/**
 * The distortion curve in one sentence: where it starts and ends, and by which k it has fallen
 * by half and by 90 %.
 * @param {{sample: number, K: number, distortion: ArrayLike<number>}} curve
 */
function distortionSentence({ sample, K, distortion }) {
  const first = distortion[0];
  const last = distortion[K];
  const fallen = (share) => {
    for (let k = 0; k <= K; k++) if (first - distortion[k] >= share * first) return k;
    return -1;
  };
  const parts = [
    `Distortion ‖x − x̂ₖ‖² of sample ${sample} against k: ${NUMBER.format(first)} at k = 0, ${NUMBER.format(last)} at k = ${K}`,
  ];
  if (first > 0) {
    parts[0] += ` (${percent(last / first)} % of it left)`;
    const half = fallen(0.5);
    const most = fallen(0.9);
    if (half >= 0) parts.push(`half of it is gone by k = ${half}`);
    if (most >= 0) parts.push(`90 % by k = ${most}`);
  }
  return `${parts.join('; ')}.`;
}

/**
 * Fills the table body with one row per frame shown: k, distortion, share of the variance.
 * @param {HTMLTableSectionElement} body
 * @param {{ks: number[], cumulative: number[], distortion: ArrayLike<number>}} frames
 */
function fillDistortionTable(body, { ks, cumulative, distortion }) {
  const rows = ks.map((k) => {
    const row = document.createElement('tr');
    const head = document.createElement('th');
    head.scope = 'row';
    head.textContent = String(k);
    const value = document.createElement('td');
    value.textContent = NUMBER.format(distortion[k]);
    const share = document.createElement('td');
    share.textContent = `${percent(cumulative[k])} %`;
    row.append(head, value, share);
    return row;
  });
  body.replaceChildren(...rows);
}

export { cumulativeRatios, frameLine, playingLine, distortionSentence, fillDistortionTable, percent };
