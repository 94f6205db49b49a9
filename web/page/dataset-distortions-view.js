// The whole dataset at the figure's k (the worker's DISTORTIONS): the mean distortion over all
// images against k, drawn on the figure's distortion plot beside the sample's own curve, and the
// worst-reconstructed images as thumbnails ("Worst reconstructed at k = 20"), a click opening one
// as the sample. Plain functions from data to elements and figures; app.js decides when.
import { required } from './generated.js';
import { sampleButton } from './dataset-panels.js';

const MEAN_NAME = 'mean over all images';
const MEAN_COLOUR = '#7f7f7f';

/** @typedef {import('../shared/protocol.js').DistortionsResult} DistortionsResult */

/** @param {DistortionsResult} result */
function meanTrace(result) {
  return {
    type: 'scatter',
    mode: 'lines',
    name: MEAN_NAME,
    xaxis: 'x4',
    yaxis: 'y4',
    x: Array.from({ length: result.k + 1 }, (_, j) => j),
    y: Array.from(result.meanDistortion),
    line: { color: MEAN_COLOUR, dash: 'dot', width: 2 },
    hovertemplate: `k = %{x}<br>mean over ${result.samples} images = %{y:.4g}<extra></extra>`,
    showlegend: false,
  };
}

// The curve's name, as a key above the plot's right end: outside the plot area it can cross
// neither curve nor the axis (written at the curve's end, it sat on the sample's line or on the
// x axis when the mean ended near zero: seen with colour crops).
/** @param {DistortionsResult} result */
function meanKey(result) {
  return {
    name: MEAN_NAME,
    text: `\u00b7\u00b7\u00b7 mean of ${result.samples} images`,
    xref: 'x4 domain',
    yref: 'y4 domain',
    x: 1,
    y: 1,
    xanchor: 'right',
    yanchor: 'bottom',
    showarrow: false,
    font: { size: 10, color: MEAN_COLOUR },
  };
}

// The distortion plot's y range, raised to hold the mean curve too (it can pass the sample's).
/** @param {number[]} range @param {DistortionsResult} result */
function yRangeWith(range, result) {
  const top = Math.max(...result.meanDistortion) * 1.12;
  return [range[0], Math.max(range[1], top)];
}

/**
 * The mean curve of `result` up to k (at most its own): the mean distortion at j components does
 * not depend on the k it was measured at (the same first j components), so a curve measured at a
 * larger k holds every smaller k's.
 * @param {DistortionsResult} result
 * @param {number} k
 * @returns {DistortionsResult}
 */
function meanUpTo(result, k) {
  const kk = Math.max(0, Math.min(result.k, k));
  return kk === result.k ? result : Object.assign({}, result, { k: kk, meanDistortion: result.meanDistortion.slice(0, kk + 1) });
}

/**
 * Into a figure about to be drawn (parsed JSON): the mean curve measured, up to the figure's k.
 * @param {any} figure
 * @param {DistortionsResult} result
 */
function addMeanCurve(figure, result) {
  const axis = figure.layout && figure.layout.yaxis4;
  if (!axis || !axis.range) return;
  figure.data.push(meanTrace(result));
  figure.layout.annotations = [...(figure.layout.annotations || []), meanKey(result)];
  axis.range = yRangeWith(axis.range, result);
}

/**
 * Onto the figure on screen (the result arrived after it was drawn): a trace appended, so the
 * frames' traces (1 and 2) keep their indices; or, where the figure holds a shorter curve (drawn
 * from one measured at a smaller k), that trace's points.
 * @param {any} div
 * @param {DistortionsResult} result
 */
async function showMeanCurve(div, result) {
  if (!div.data) return;
  const range = div.layout.yaxis4 && div.layout.yaxis4.range;
  if (!range) return;
  const shown = div.data.findIndex((/** @type {any} */ t) => t.name === MEAN_NAME);
  if (shown >= 0) {
    if (div.data[shown].x.length >= result.k + 1) return;
    const { x, y } = meanTrace(result);
    await required('Plotly').update(div, { x: [x], y: [y] }, { 'yaxis4.range': yRangeWith(range, result) }, [shown]);
    return;
  }
  const annotations = (div.layout.annotations || []).filter((/** @type {any} */ a) => a.name !== MEAN_NAME);
  await required('Plotly').addTraces(div, meanTrace(result));
  await required('Plotly').relayout(div, {
    'yaxis4.range': yRangeWith(range, result),
    annotations: [...annotations, meanKey(result)],
  });
}

/**
 * elements: {title, list}; valueRange: [lo, hi] of the dataset; onPick(index) opens a sample.
 * @param {{title: HTMLElement, list: HTMLElement}} elements
 * @param {DistortionsResult | null} result
 * @param {[number, number]} valueRange
 * @param {(index: number) => void} onPick
 */
function renderWorst({ title, list }, result, valueRange, onPick) {
  if (!result) {
    title.textContent = 'Worst reconstructed';
    list.replaceChildren();
    return;
  }
  title.textContent = `Worst reconstructed at k = ${result.k}`;
  const size = result.height * result.width * result.channels;
  const buttons = Array.from(result.worst, (index, i) => {
    const label = `Sample ${index}: ‖x − x̂‖² = ${result.worstDistortion[i].toPrecision(4)} at k = ${result.k}`;
    const button = sampleButton(index, label, result.pixels, i * size, result, valueRange);
    button.addEventListener('click', () => onPick(index));
    return button;
  });
  list.replaceChildren(...buttons);
}

export { meanUpTo, addMeanCurve, showMeanCurve, renderWorst, MEAN_NAME };
