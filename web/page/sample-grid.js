// The grid of samples: up to 8 samples side by side, each one's original above its reconstruction
// at the same k, animated together (one plotly frame per k, all reconstructions in it). Every image
// has its own axes (x1..x2n), and every frame trace names its axes, so no image can move to another
// panel during play. The figure is built here from the worker's GRID answer (the module's
// reconstructions). Its link key is `grid` (samples shown) in the URL hash.
import { required } from './generated.js';
import { hashValue, withHashValue } from './url-state.js';

const KEY = 'grid';
const MAX = 8;

/**
 * "#grid=4" -> 4 (1..8, clamped); 1 when absent or not a number (no grid).
 * @param {string} hash
 */
function parseGrid(hash) {
  const text = hashValue(hash, KEY);
  const n = text !== null && /^\s*\d+\s*$/.test(text) ? Number(text) : 1;
  return Math.max(1, Math.min(MAX, n));
}

/** The hash with grid=n (removed for 1), other keys kept. @param {string} hash @param {number} n */
function withGrid(hash, n) {
  return withHashValue(hash, KEY, n > 1 ? String(n) : null);
}

// Image `index` of a flat Float32Array as plotly z: H rows of values, or of [r, g, b].
/** @param {Float32Array} values @param {number} index @param {{height: number, width: number, channels: number}} shape */
function zOf(values, index, { height, width, channels }) {
  const size = height * width * channels;
  const rows = [];
  for (let r = 0; r < height; r++) {
    const row = [];
    for (let c = 0; c < width; c++) {
      const at = index * size + (r * width + c) * channels;
      row.push(channels === 3 ? [values[at], values[at + 1], values[at + 2]] : values[at]);
    }
    rows.push(row);
  }
  return rows;
}

/** @param {string} axis 'x' | 'y' @param {number} i 0-based */
const axisName = (axis, i) => (i === 0 ? axis : `${axis}${i + 1}`);

/**
 * The figure {data, layout, frames}: traces 0..n-1 the originals, n..2n-1 the reconstructions.
 * @param {import('../shared/protocol.js').GridResult} grid
 * @param {[number, number]} valueRange
 * @param {number} frameDurationMs
 */
function gridFigure(grid, valueRange, frameDurationMs) {
  const n = grid.samples.length;
  const [lo, hi] = valueRange;
  const colour = grid.channels === 3;
  const gap = 0.02;
  const width = (1 - gap * (n - 1)) / n;
  /** @type {any} */
  const layout = {
    margin: { l: 10, r: 10, t: 40, b: 70 },
    height: 140 + 2 * Math.min(220, Math.round(900 / n)),
    showlegend: false,
    title: { text: `k = ${grid.ks[0]}` },
    annotations: [],
  };
  /** @type {(panel: number, z: any) => any} */
  const trace = (panel, z) => {
    const common = { xaxis: axisName('x', panel), yaxis: axisName('y', panel), z };
    return colour
      ? { type: 'image', ...common, zmin: [lo, lo, lo], zmax: [hi, hi, hi], hoverinfo: 'skip' }
      : {
          type: 'heatmap',
          ...common,
          zmin: lo,
          zmax: hi,
          zauto: false,
          colorscale: 'Greys',
          reversescale: true,
          showscale: false,
          hoverinfo: 'skip',
        };
  };
  const data = [];
  for (let row = 0; row < 2; row++) {
    for (let s = 0; s < n; s++) {
      const panel = row * n + s;
      const x0 = s * (width + gap);
      const top = row === 0 ? [0.52, 1] : [0, 0.48];
      layout[`${axisName('xaxis', panel)}`] = { domain: [x0, x0 + width], anchor: axisName('y', panel), visible: false };
      layout[`${axisName('yaxis', panel)}`] = {
        domain: top,
        anchor: axisName('x', panel),
        visible: false,
        autorange: 'reversed',
        scaleanchor: axisName('x', panel),
      };
      data.push(trace(panel, row === 0 ? zOf(grid.originals, s, grid) : zOf(grid.reconstructions, s, grid)));
      if (row === 0) {
        layout.annotations.push({
          text: `sample ${grid.samples[s]}`,
          x: x0 + width / 2,
          y: 1.0,
          xref: 'paper',
          yref: 'paper',
          yanchor: 'bottom',
          showarrow: false,
        });
      }
    }
  }
  const names = Array.from(grid.ks, String);
  const frames = Array.from(grid.ks, (k, f) => ({
    name: String(k),
    traces: Array.from({ length: n }, (_, s) => n + s),
    data: Array.from({ length: n }, (_, s) => trace(n + s, zOf(grid.reconstructions, f * n + s, grid))),
    layout: { title: { text: `k = ${k}: originals (top), reconstructions from the first ${k} components (bottom)` } },
  }));
  const animation = (/** @type {number} */ ms) => ({
    mode: 'immediate',
    frame: { duration: ms, redraw: true },
    transition: { duration: 0 },
    fromcurrent: true,
  });
  layout.updatemenus = [
    {
      type: 'buttons',
      direction: 'left',
      x: 0,
      y: -0.02,
      yanchor: 'top',
      buttons: [
        { label: 'Play', method: 'animate', args: [null, animation(frameDurationMs)] },
        { label: 'Pause', method: 'animate', args: [[null], animation(0)] },
      ],
    },
  ];
  // As in the figure (wasm/figure.cpp k_slider): a pixel padding keeps the slider clear of
  // Play/Pause at any width, and its "k =" label sits at its right end.
  layout.sliders = [
    {
      x: 0,
      len: 1,
      pad: { l: 150 },
      y: -0.02,
      yanchor: 'top',
      currentvalue: { prefix: 'k = ', xanchor: 'right' },
      steps: names.map((name) => ({ label: name, method: 'animate', args: [[name], animation(0)] })),
    },
  ];
  data.forEach((t, i) => (t.name = i < n ? `original ${grid.samples[i]}` : `reconstruction ${grid.samples[i - n]}`));
  return { data, layout, frames };
}

/**
 * Draws (or clears, for null) the grid into its element.
 * @param {any} div
 * @param {import('../shared/protocol.js').GridResult | null} grid
 * @param {[number, number]} valueRange
 * @param {number} frameDurationMs
 */
async function renderGrid(div, grid, valueRange, frameDurationMs) {
  const Plotly = required('Plotly');
  div.hidden = !grid;
  if (!grid) {
    if (div.data) Plotly.purge(div);
    return;
  }
  const { data, layout, frames } = gridFigure(grid, valueRange, frameDurationMs);
  if (div.data) Plotly.purge(div);
  await Plotly.newPlot(div, { data, layout, frames, config: { displaylogo: false, responsive: true } });
}

export { parseGrid, withGrid, gridFigure, renderGrid };
