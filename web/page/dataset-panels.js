// The panels drawn from the dataset on screen: the line that names it (and the note of a streamed
// file), the explained-variance chart and its summary, the gallery of the mean and the first
// components, and the strip of sample thumbnails. Plain functions from data to the elements they
// are given: they keep nothing and read no global state, so app.js alone decides when to redraw.
import { drawVariance } from './figure-view.js';
import { makeCanvas, drawValues, drawSigned, minMax } from './canvas-images.js';
import { sharesText, markVarianceChart } from './variance-shares.js';
import { percent, cumulativeRatios } from './figure-text.js';

// 7650000 -> "7 650 000" (no-break spaces, so a number never wraps).
function groupDigits(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
}

function gigabytes(bytes) {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

// Which solver fitted the model: the exact covariance, the exact Gram matrix (N < D, K
// components) or the top-K one (only K components).
function solverNote({ solver, passes, precomputed }) {
  const when = precomputed ? ', at build time' : ''; // the built-in sample's (scripts/default-basis.mjs)
  if (solver === 'randomized') return ` (top-K solver, ${passes} passes${when})`;
  if (solver === 'gram') return ` (exact, Gram matrix${when})`;
  return solver === 'exact' ? ` (exact${when})` : '';
}

// elements: {name, streamedNote}. A streamed file (larger than memory) is said to be: the PCA
// is over all of it, and only its first images are kept.
function renderHeading({ name, streamedNote }, dataset) {
  const { info, source } = dataset;
  const shape = `(${info.shape.join(', ')})`;
  const member = info.archive ? ` › ${info.archive.member}` : '';
  const model = info.basis
    ? `basis from file (${info.basis.nComponents} component${info.basis.nComponents === 1 ? '' : 's'})`
    : `${dataset.nComponents} components fitted${solverNote(dataset)}`;
  name.textContent =
    `${dataset.name}${member}${dataset.builtIn ? ' (built-in sample)' : ''}: ${info.streamed ? info.streamed.totalSamples : info.samples} images of ${info.height}×${info.width}${info.channels === 3 ? ' RGB' : ''}, ` +
    `dtype ${info.dtype}, shape ${shape}, ${model}`;
  const streamed = info.streamed;
  streamedNote.hidden = !streamed;
  streamedNote.textContent = streamed
    ? `${groupDigits(streamed.totalSamples)} images streamed (${gigabytes(source.size)}): PCA over all of them; ` +
      `the first ${groupDigits(streamed.keptSamples)} are kept for display`
    : '';
}

// elements: {chart, summary, shares}; nComponents: the K shown. The texts are set at once; the
// chart is drawn by `drawChart(draw)` (at once by default; after a change of K, once the figure is
// painted: app.js).
/**
 * @param {{chart: any, summary: HTMLElement, shares?: HTMLElement}} elements
 * @param {any} dataset
 * @param {number} nComponents
 * @param {(draw: () => void) => void} [drawChart]
 */
function renderVariance({ chart, summary, shares }, dataset, nComponents, drawChart = (draw) => draw()) {
  const ratio = dataset.explainedVarianceRatio;
  const cumulative = cumulativeRatios(ratio, nComponents)[nComponents];
  // No variance at all: ratios are 0, not NaN, and the page says why.
  const noVariance = !(dataset.totalVariance > 0);
  summary.dataset.noVariance = String(noVariance);
  const basis = dataset.info.basis;
  let source = '';
  if (basis && !basis.explainedVariance && !basis.explainedVarianceRatio) {
    source = ` (Estimated from the ${dataset.info.samples} loaded images: the basis file has no explained variance.)`;
  } else if (basis && !basis.explainedVarianceRatio) {
    source = " (Explained variance from the basis file, as a share of the loaded images' total variance.)";
  } else if (basis) {
    source = ' (Explained variance ratio from the basis file.)';
  }
  summary.dataset.estimated = String(Boolean(basis && !basis.explainedVariance && !basis.explainedVarianceRatio));
  summary.textContent = noVariance
    ? 'Every image is identical: there is no variance to explain, so every reconstruction is the mean image.'
    : `The first ${nComponents} of ${ratio.length} components explain ${percent(cumulative)}% of the variance.${source}`;
  // How many components reach 90/95/99 % (variance-shares.js), in a line of their own.
  if (shares) {
    shares.textContent = noVariance ? '' : sharesText(dataset.shares, ratio.length);
    shares.hidden = !shares.textContent;
  }
  drawChart(() => {
    drawVariance(chart, ratio, nComponents);
    markVarianceChart(chart, noVariance ? [] : dataset.shares);
  });
}

// elements: {gallery, legendGray, legendRgb}: the mean, then the components the dataset holds.
function renderEigenImages({ gallery, legendGray, legendRgb }, dataset) {
  const { height, width } = dataset.info;
  const channels = dataset.info.channels || 1;
  const size = height * width * channels;
  legendGray.hidden = channels === 3;
  legendRgb.hidden = channels !== 3;
  /** @type {Array<[HTMLCanvasElement, string, string]>} */
  const items = [];
  // The mean on the data's scale, as the figure paints the reconstruction at k = 0 (it is that
  // image): stretched to its own range, a near-uniform colour mean turned a saturated orange.
  const mean = makeCanvas(width, height);
  const { valueMin, valueMax } = dataset.info;
  const [lo, hi] = Number.isFinite(valueMin) && valueMax > valueMin ? [valueMin, valueMax] : minMax(dataset.mean);
  drawValues(mean, dataset.mean, 0, width, height, channels, lo, hi);
  items.push([mean, 'mean', 'Mean image']);
  const shown = dataset.components.length / size;
  for (let i = 0; i < shown; i++) {
    const canvas = makeCanvas(width, height);
    drawSigned(canvas, dataset.components, i * size, width, height, channels);
    const ratio = dataset.explainedVarianceRatio[i];
    items.push([canvas, `PC ${i + 1}`, `Component ${i + 1}: ${percent(ratio)}% of the variance`]);
  }
  gallery.replaceChildren(
    ...items.map(([canvas, caption, title]) => {
      const figure = document.createElement('figure');
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', title);
      canvas.title = title;
      const figcaption = document.createElement('figcaption');
      figcaption.textContent = caption;
      figure.append(canvas, figcaption);
      return figure;
    }),
  );
}

// A button showing sample `index` (data-index): the image at `offset` of `pixels`, drawn on the
// value range [lo, hi]; `label` is its accessible name and tooltip. The strip's thumbnails and
// the worst-reconstructed images (dataset-distortions-view.js) are such buttons.
/**
 * @param {number} index
 * @param {string} label
 * @param {Float32Array} pixels
 * @param {number} offset
 * @param {{width: number, height: number, channels: number}} shape
 * @param {[number, number]} valueRange
 */
function sampleButton(index, label, pixels, offset, { width, height, channels }, [lo, hi]) {
  const button = document.createElement('button');
  button.type = 'button';
  button.setAttribute('aria-label', label);
  button.title = label;
  button.dataset.index = String(index);
  const canvas = makeCanvas(width, height);
  drawValues(canvas, pixels, offset, width, height, channels, lo, hi);
  button.append(canvas);
  return button;
}

/** @type {WeakMap<Element, any>} the thumbnails each strip shows */
const drawnStrips = new WeakMap();

// thumbnails: {start, count, height, width, channels, pixels} (the worker's IMAGES), drawn on
// the dataset's value range; one button per sample (data-index), the current one aria-current.
// An empty strip when there is nothing to show.
function renderThumbnails(container, thumbnails, dataset, sampleIndex) {
  const t = thumbnails;
  if (!t || !dataset) {
    container.replaceChildren();
    drawnStrips.delete(container);
    return;
  }
  // The same strip, another sample: only the current one changes (drawing the strip again took
  // tens of ms at 512×512, in the middle of a sample change).
  if (drawnStrips.get(container) === t) {
    for (const button of container.children) {
      if (Number(/** @type {HTMLElement} */ (button).dataset.index) === sampleIndex) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
    return;
  }
  const channels = t.channels || 1;
  const size = t.height * t.width * channels;
  const shape = { width: t.width, height: t.height, channels };
  const { valueMin, valueMax } = dataset.info;
  const buttons = [];
  for (let i = 0; i < t.count; i++) {
    const index = t.start + i;
    const button = sampleButton(index, `Sample ${index}`, t.pixels, i * size, shape, [valueMin, valueMax]);
    if (index === sampleIndex) button.setAttribute('aria-current', 'true');
    buttons.push(button);
  }
  container.replaceChildren(...buttons);
  drawnStrips.set(container, t);
}

export { renderHeading, renderVariance, renderEigenImages, renderThumbnails, sampleButton, gigabytes };
