// How many components reach 90, 95 and 99 % of the variance (the worker's SUMMARY `shares`, found
// by the module's componentsForShares): named in the variance summary and marked on the variance
// chart and on the figure's distortion plot. A share the computed components do not reach (a
// top-K fit) is said to need more than K of them: nothing past K is known, so nothing is guessed.
import { required } from './generated.js';

/** @typedef {{share: number, k: number | null}} ShareK */

const MARK_COLOURS = Object.freeze(['#2ca02c', '#ff7f0e', '#9467bd']); // one per share, in order

/** @param {number} share */
const label = (share) => `${Math.round(share * 100)} %`;

/**
 * "90 % of the variance: k = 4 · 95 % and 99 % need more than 50 components": the shares reached,
 * each with its k, then those not reached, together (said once, not once per share).
 * @param {ShareK[] | undefined} shares
 * @param {number} computed the number of components known
 */
function sharesText(shares, computed) {
  const all = shares || [];
  const reached = all.filter(({ k }) => k !== null).map(({ share, k }) => `${label(share)} of the variance: k = ${k}`);
  const beyond = all.filter(({ k }) => k === null).map(({ share }) => label(share));
  const components = `more than ${computed} component${computed === 1 ? '' : 's'}`;
  const needed =
    beyond.length === 0
      ? []
      : beyond.length === 1
        ? [`${beyond[0]} needs ${components}`]
        : [`${beyond.slice(0, -1).join(', ')} and ${beyond[beyond.length - 1]} need ${components}`];
  return [...reached, ...needed].join(' · ');
}

/**
 * Where the variance chart's marks go: its x range widened to the farthest mark (drawVariance
 * shows the first 1.5·K components; with the whole spectrum known, 95 and 99 % can lie far past
 * them), and each label on the side of its line with room for it (left of a line in the right
 * third, where it would run past the plot's edge and be cut).
 * @param {number} right the chart's x range end (components shown + 0.5)
 * @param {number} bars the components the chart has
 * @param {number[]} ks the marks' k
 * @returns {{right: number, anchors: ('left' | 'right')[]}}
 */
function varianceMarkPlaces(right, bars, ks) {
  const farthest = ks.length ? Math.max(...ks) : 0;
  const wide = Math.min(bars, Math.ceil(farthest * 1.05)) + 0.5;
  const end = Math.max(right, wide);
  return { right: end, anchors: ks.map((k) => (k > 0.66 * end ? 'right' : 'left')) };
}

/**
 * Dotted lines at each k on the variance chart (after drawVariance, which owns its first shape).
 * @param {any} chart
 * @param {ShareK[] | undefined} shares
 */
function markVarianceChart(chart, shares) {
  const known = /** @type {{share: number, k: number}[]} */ ((shares || []).filter((s) => s.k !== null));
  const range = (chart.layout && chart.layout.xaxis && chart.layout.xaxis.range) || [0.5, 0.5];
  const bars = chart.data && chart.data[0] && chart.data[0].x ? chart.data[0].x.length : 0;
  const places = varianceMarkPlaces(
    range[1],
    bars,
    known.map(({ k }) => k),
  );
  const base = ((chart.layout && chart.layout.shapes) || []).filter((/** @type {any} */ s) => !s.name || !s.name.startsWith('share '));
  const shapes = base.concat(
    known.map(({ share, k }, i) => ({
      name: `share ${label(share)}`,
      type: 'line',
      xref: 'x',
      yref: 'paper',
      x0: k,
      x1: k,
      y0: 0,
      y1: 1,
      line: { color: MARK_COLOURS[i % MARK_COLOURS.length], dash: 'dash', width: 1 },
    })),
  );
  const annotations = known.map(({ share, k }, i) => ({
    x: k,
    y: 1 - 0.12 * i,
    xref: 'x',
    yref: 'paper',
    text: `${label(share)}: k = ${k}`,
    showarrow: false,
    xanchor: places.anchors[i],
    font: { size: 9, color: MARK_COLOURS[i % MARK_COLOURS.length] },
  }));
  return required('Plotly').relayout(chart, { shapes, annotations, 'xaxis.range': [range[0], places.right] });
}

/**
 * Static traces on the distortion plot (axes x4/y4), one vertical line per share reached within
 * the k shown, appended after the core's traces: frames name the traces they change (1 and 2),
 * so these keep still during play. A share reached past the k shown keeps its trace, empty (no
 * point, nothing drawn), and so does one not reached within the components at hand (k null: the
 * top-K fits, an exact fit until its every eigenvalue is made), so that the figure has the same
 * traces at every K: a change of K is then a swap of their data (figure-swap.js), not a new plot.
 * @param {any} figure the parsed figure, before it is drawn
 * @param {ShareK[] | undefined} shares
 */
function addDistortionMarks(figure, shares) {
  const layout = figure.layout || {};
  const xRange = layout.xaxis4 && layout.xaxis4.range;
  const yRange = layout.yaxis4 && layout.yaxis4.range;
  if (!xRange || !yRange) return;
  (shares || []).forEach(({ share, k }, i) => {
    const shown = k !== null && k <= xRange[1];
    figure.data.push({
      type: 'scatter',
      mode: 'lines+text',
      name: `${label(share)} of the variance`,
      xaxis: 'x4',
      yaxis: 'y4',
      x: shown ? [k, k] : [null, null],
      // The labels' middles 16 % of the plot apart (about 13 px of its ~80: each label is 10 px
      // tall, and near k they would overlap), the first low enough to stay inside the top edge.
      y: shown ? [yRange[0], yRange[1] * (0.88 - 0.16 * i)] : [null, null],
      text: shown ? ['', `${label(share)}: k = ${k}`] : ['', ''],
      textposition: 'middle right',
      textfont: { size: 10, color: MARK_COLOURS[i % MARK_COLOURS.length] },
      line: { color: MARK_COLOURS[i % MARK_COLOURS.length], dash: 'dash', width: 1 },
      hoverinfo: 'skip',
      showlegend: false,
    });
  });
}

export { sharesText, markVarianceChart, varianceMarkPlaces, addDistortionMarks };
