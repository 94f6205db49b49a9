// Paints an animation frame of a gray figure without plotly's full redraw. With `redraw: true`
// plotly replots the whole figure for every frame (axes, titles, colour bars, slider, menus and
// all traces: most of a frame's time at any panel size). The page plays with `redraw: false`
// instead: plotly still applies every frame -- its traces, title and marker go into the figure's
// data and layout, calcdata is recomputed (hover reads the frame on screen), the slider follows
// -- and this painter draws what a frame changes, from that same plotly frame, in the same task:
//   - each frame trace's picture, into the <image> plotly drew for that trace (so into the
//     subplot of the trace's own axes): the pixels plotly's heatmap would draw ('fast' path:
//     one pixel per value, the trace's colour scale as d3's clamped piecewise-linear scale, each
//     channel rounded), as an uncompressed BMP data: URL (bmp-picture.js) made once per frame and
//     trace, ahead of play when the page is idle;
//   - the figure title, and the current-k marker (a layout shape), moved by the pixels between
//     its anchor in the frame and the anchor plotly last drew it at.
// A figure it cannot paint exactly (colour image traces, a frame trace on other axes than its base
// trace, other layout changes) is refused (accepts() false), and the page keeps `redraw: true`.
import { bmpDataUrl } from './bmp-picture.js';

const FRAME_LAYOUT_KEYS = ['title', 'shapes'];

function parseColour(text) {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(text);
  if (hex) return [1, 2, 3].map((i) => parseInt(hex[i], 16));
  const rgb = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/i.exec(text);
  return rgb ? [1, 2, 3].map((i) => Number(rgb[i])) : null;
}

// The trace's colour scale as plotly draws a heatmap: d3 v3's linear scale over the stops'
// values (zmin + stop·(zmax − zmin)), clamped, interpolating each channel as a·(1 − t) + b·t,
// then Math.round. Returns a function filling the BMP bytes (blue, green, red) of one row of
// values from `at`, or null. (One call per row, not per value: twice as fast at 256×256.)
export function colourScale(trace) {
  const scale = trace.colorscale;
  if (!Array.isArray(scale) || scale.length < 2) return null;
  const { zmin, zmax } = trace;
  if (!Number.isFinite(zmin) || !Number.isFinite(zmax)) return null;
  const domain = Float64Array.from(scale, (stop) => zmin + Number(stop[0]) * (zmax - zmin));
  const colours = scale.map((stop) => parseColour(String(stop[1])));
  if (colours.some((c) => !c)) return null;
  for (let i = 1; i < domain.length; i++) if (!(domain[i] >= domain[i - 1])) return null;
  const [red, green, blue] = [0, 1, 2].map((channel) => Float64Array.from(colours, (c) => c[channel]));
  const last = domain.length - 1;
  return (row, out, at) => {
    for (let c = 0, width = row.length; c < width; c++, at += 3) {
      const value = row[c];
      // d3.bisect(domain, value, 1, last) - 1: the segment whose stops enclose the value
      let lo = 1;
      let hi = last;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (value < domain[mid]) hi = mid;
        else lo = mid + 1;
      }
      const j = lo - 1;
      const span = domain[j + 1] - domain[j] || 1 / (domain[j + 1] - domain[j]);
      let t = (value - domain[j]) / span;
      t = t < 0 ? 0 : t > 1 ? 1 : t; // NaN stays NaN, as Math.max(0, Math.min(1, NaN))
      const u = 1 - t;
      out[at] = Math.round(blue[j] * u + blue[j + 1] * t);
      out[at + 1] = Math.round(green[j] * u + green[j + 1] * t);
      out[at + 2] = Math.round(red[j] * u + red[j + 1] * t);
    }
  };
}

// One pixel per value, the colour scale as given: what the painter draws as plotly does.
function plainHeatmap(trace) {
  return Array.isArray(trace.z) && !(trace.reversescale || trace.zsmooth || trace.xgap || trace.ygap || trace.x || trace.y);
}

// The pictures of a figure's base heatmaps, as the painter paints them when the figure is swapped
// in (figure-swap.js: its base traces are applied as a frame named as its first), made ahead of
// that (figures-ahead.js): `${frame name}/${trace index}` → data: URL, as FramePainter.pictures.
// Made one per task (5-8 ms each at 512×512 panels), so that the page's thread takes a reply or
// a click between them; the map fills as they are made (those not made yet when the figure is
// shown, the painter makes).
/** @param {any} figure @returns {Map<string, string>} */
export function basePictures(figure) {
  const pictures = new Map();
  const first = (figure.frames || [])[0];
  if (!first) return pictures;
  const todo = [];
  (figure.data || []).forEach((/** @type {any} */ trace, /** @type {number} */ index) => {
    const scale = trace.type === 'heatmap' && plainHeatmap(trace) && trace.z.length && colourScale(trace);
    if (scale) todo.push(() => pictures.set(`${first.name}/${index}`, bmpDataUrl(trace.z, scale)));
  });
  const next = () => {
    const make = todo.shift();
    if (!make) return;
    make();
    setTimeout(next);
  };
  setTimeout(next);
  return pictures;
}

// Whether two heatmaps show the same picture: the same values (rows of numbers) and colours.
/** @param {any} a @param {any} b */
function samePicture(a, b) {
  if (!a || !b || a.type !== b.type || a.zmin !== b.zmin || a.zmax !== b.zmax) return false;
  if (JSON.stringify(a.colorscale) !== JSON.stringify(b.colorscale) || a.reversescale !== b.reversescale) return false;
  if (!Array.isArray(a.z) || !Array.isArray(b.z) || a.z.length !== b.z.length) return false;
  for (let r = 0; r < a.z.length; r++) {
    const [x, y] = [a.z[r], b.z[r]];
    if (x === y) continue;
    if (!x || !y || x.length !== y.length) return false;
    for (let c = 0; c < x.length; c++) if (x[c] !== y[c]) return false;
  }
  return true;
}

function sameAxes(a, b) {
  return (a.xaxis || 'x') === (b.xaxis || 'x') && (a.yaxis || 'y') === (b.yaxis || 'y');
}

// Whether the painter paints these frames over these base traces: heatmaps on their base trace's
// axes, one colour range per trace for the whole animation, one pixel per value, and no other
// layout change than the title and the marker.
/**
 * @param {any[]} base
 * @param {any[]} frames
 */
function paintable(base, frames) {
  if (!frames.length) return false;
  for (const frame of frames) {
    const traces = frame.traces || [];
    if (!Array.isArray(frame.data) || frame.data.length !== traces.length) return false;
    for (let i = 0; i < traces.length; i++) {
      const trace = frame.data[i];
      const home = base[traces[i]];
      if (!home || home.type !== 'heatmap' || trace.type !== 'heatmap' || !sameAxes(trace, home)) return false;
      if (!Array.isArray(trace.z) || !trace.z.length || !trace.z[0].length) return false;
      // one colour scale per trace for the whole animation, one pixel per value
      if (trace.zmin !== home.zmin || trace.zmax !== home.zmax || trace.colorscale || trace.reversescale) return false;
      if (!plainHeatmap(home)) return false;
    }
    for (const key of Object.keys(frame.layout || {})) if (!FRAME_LAYOUT_KEYS.includes(key)) return false;
    const shapes = (frame.layout || {}).shapes;
    if (shapes && shapes.length !== 1) return false;
  }
  return true;
}

export class FramePainter {
  constructor(div) {
    this.div = div;
    this.clear();
  }

  clear() {
    this.figure = null;
    this.scales = new Map(); // trace index → colour function
    this.pictures = new Map(); // `${frame name}/${trace index}` → data: URL
    this.markerBase = undefined; // {x, y, xref, yref} (null: no marker): where plotly last drew it
    this.generation = (this.generation || 0) + 1;
  }

  // Takes a figure (decoded, as given to plotly) and says whether its frames can be painted.
  accepts(figure) {
    const before = { figure: this.figure, pictures: this.pictures };
    this.clear();
    const base = figure.data || [];
    const frames = figure.frames || [];
    if (!paintable(base, frames)) return false;
    for (const index of new Set(frames.flatMap((f) => f.traces))) {
      const scale = colourScale(base[index]);
      if (!scale) return false;
      this.scales.set(index, scale);
    }
    // The other heatmaps (the original), painted when a new figure replaces one (figure-swap.js).
    base.forEach((trace, index) => {
      const scale = trace.type === 'heatmap' && !this.scales.has(index) && plainHeatmap(trace) && colourScale(trace);
      if (scale) this.scales.set(index, scale);
    });
    this.figure = figure;
    // Its base pictures, where they were made ahead (basePictures), or where the figure before
    // had the same (a change of K keeps the sample's pictures at k = 0).
    for (const [key, url] of figure.picturesAhead || []) this.pictures.set(key, url);
    this.keepBasePictures(before.figure, before.pictures);
    return true;
  }

  // Takes the frames of the figure it paints that came after its first (figure-view.js
  // addFrames), the pictures made so far kept; false if it cannot paint them.
  /** @param {any[]} frames */
  takeFrames(frames) {
    if (!this.figure || !paintable(this.figure.data || [], frames)) return false;
    this.figure = Object.assign({}, this.figure, { frames });
    return true;
  }

  // Takes a figure that replaces the one on screen without a full draw by plotly (figure-swap.js):
  // the marker stays where plotly last drew it.
  acceptsSwap(figure) {
    if (!this.active) return false;
    const markerBase = this.markerBase;
    if (!this.accepts(figure)) return false;
    this.markerBase = markerBase;
    return true;
  }

  // The pictures of `figure`'s base traces (as painted under its first frame's name) that this
  // figure's base traces repeat: same values, same colours.
  /** @param {any} figure @param {Map<string, string>} pictures */
  keepBasePictures(figure, pictures) {
    const [first, old] = [(this.figure.frames || [])[0], figure && (figure.frames || [])[0]];
    if (!first || !old) return;
    this.figure.data.forEach((/** @type {any} */ trace, /** @type {number} */ index) => {
      const [key, url] = [`${first.name}/${index}`, pictures.get(`${old.name}/${index}`)];
      if (url && !this.pictures.has(key) && this.scales.has(index) && samePicture(trace, figure.data[index])) this.pictures.set(key, url);
    });
  }

  get active() {
    return this.figure !== null && this.markerBase !== undefined;
  }

  picture(name, index, trace) {
    const key = `${name}/${index}`;
    let url = this.pictures.get(key);
    if (!url) {
      url = bmpDataUrl(trace.z, this.scales.get(index));
      this.pictures.set(key, url);
    }
    return url;
  }

  // Makes the pictures of the frames not yet made, a few milliseconds at a time while the page
  // is otherwise idle, so that play only looks them up; from after the next paint, which shows
  // the figure just drawn (its slices before it only delayed it).
  prepareAhead() {
    const generation = this.generation;
    const frames = (this.figure && this.figure.frames) || [];
    let f = 0;
    const slice = () => {
      if (generation !== this.generation) return;
      const end = performance.now() + 8;
      for (; f < frames.length && performance.now() < end; f++) {
        frames[f].traces.forEach((index, i) => this.picture(String(frames[f].name), index, frames[f].data[i]));
      }
      if (f < frames.length) setTimeout(slice, 4);
    };
    requestAnimationFrame(() => setTimeout(slice, 0));
  }

  // After plotly drew the figure itself (any full draw): where it put the marker, and whether
  // it drew each painted trace one pixel per value ('fast': the <image> is pixelated), as the
  // painter does; if not (browsers without pixelated images), the painter stands down.
  drawn() {
    if (!this.figure) return false;
    const shape = this.div._fullLayout && (this.div._fullLayout.shapes || [])[0];
    this.markerBase = shape ? { x: shape.xanchor, y: shape.yanchor, xref: shape.xref, yref: shape.yref } : null;
    for (const index of this.scales.keys()) {
      const image = this.imageOf(index);
      if (!image || !/pixelated/.test(image.getAttribute('style') || '')) {
        this.clear();
        return false;
      }
    }
    return true;
  }

  // After any later full draw by plotly (a step, a resize): the marker was drawn afresh.
  redrawn() {
    if (!this.active) return;
    const shape = (this.div._fullLayout.shapes || [])[0];
    this.markerBase = shape ? { x: shape.xanchor, y: shape.yanchor, xref: shape.xref, yref: shape.yref } : null;
  }

  // The <image> plotly drew for trace `index` (in its subplot), or null.
  imageOf(index) {
    const full = this.div._fullData && this.div._fullData[index];
    if (!full) return null;
    const subplot = `${full.xaxis}${full.yaxis}`;
    for (const group of this.div.querySelectorAll(`.cartesianlayer .subplot.${subplot} .hm`)) {
      const data = /** @type {any} */ (group).__data__;
      if (data && data[0] && data[0].trace && data[0].trace.index === index) return group.querySelector('image');
    }
    return null;
  }

  // Paints one frame (plotly's computed frame, as plotly_animatingframe gives it).
  paint(frame) {
    const name = String(frame.name);
    (frame.traces || []).forEach((index, i) => {
      if (!this.scales.has(index)) return; // a line trace: plotly redraws it
      const image = this.imageOf(index);
      if (image) image.setAttribute('href', this.picture(name, index, frame.data[i]));
    });
    const layout = frame.layout || {};
    const title = layout.title && layout.title.text;
    const titleNode = this.div.querySelector('.g-gtitle .gtitle');
    if (typeof title === 'string' && titleNode) {
      titleNode.textContent = title;
      titleNode.setAttribute('data-unformatted', title);
    }
    if (layout.shapes && layout.shapes[0]) this.moveMarker(layout.shapes[0]);
  }

  moveMarker(shape) {
    const base = this.markerBase;
    const full = this.div._fullLayout;
    const path = this.div.querySelector('.shapelayer path[data-index="0"]');
    if (!base || !full || !path) return;
    const xa = full[`xaxis${String(base.xref).slice(1)}`];
    const ya = full[`yaxis${String(base.yref).slice(1)}`];
    if (!xa || !ya) return;
    const dx = xa.l2p(shape.xanchor) - xa.l2p(base.x);
    const dy = ya.l2p(shape.yanchor) - ya.l2p(base.y);
    path.setAttribute('transform', `translate(${dx},${dy})`);
  }
}
