// plotly.js recomputes the calcdata of every trace for every animation frame it applies (its
// Plots.transition deletes gd.calcdata), and a heatmap's calc copies its z value by value
// (clean2dArray: each value tested as a number, a new Array per row) -- 4.7 ms of a frame at
// 256×256 panels, 15 ms at 512×512 (V8 profiles of a play, tests/bench/playback.js --profile 1),
// the unchanged original's included. The pictures of the page's figure need none of it: their rows
// are Float32Array views the page made of the module's values (figure-pictures.js), every value a
// number already. So for such a z -- Float32Array rows of one length, every value finite, a colour
// range that does not depend on the values (zauto false), linear axes -- plotly's own calc runs on
// a stand-in of the same shape whose rows after the first are empty: the bounds, axis extremes and
// colour range it computes depend on the shape and zmin/zmax alone; its cleaning touches one row.
// The calcdata then gets the picture's own rows, which are what the cleaning would have returned
// (a finite float read as a number is itself). Any other z goes through plotly's calc untouched.

const WRAPPED = Symbol('pcarecon heatmap calc');
/** @type {WeakSet<object>} the plots whose heatmaps' calc takes the stand-in */
const plots = new WeakSet();

/** @type {WeakMap<object, boolean>} z → whether its values are clean (checked once per z) */
const cleanZ = new WeakMap();
/** @type {Map<string, any[]>} `${height}x${width}` → a stand-in z of that shape */
const standIns = new Map();

/** @param {any} z */
function isCleanPicture(z) {
  let clean = cleanZ.get(z);
  if (clean !== undefined) return clean;
  const rows = Array.isArray(z) && z.length > 0 && z.every((row) => row instanceof Float32Array) ? /** @type {Float32Array[]} */ (z) : null;
  const width = rows ? rows[0].length : 0;
  clean = width > 0;
  for (let r = 0; clean && rows && r < rows.length; r++) {
    const row = rows[r];
    if (row.length !== width) clean = false;
    for (let c = 0; clean && c < width; c++) if (!Number.isFinite(row[c])) clean = false;
  }
  cleanZ.set(z, clean);
  return clean;
}

/**
 * @param {number} height
 * @param {number} width
 */
function standIn(height, width) {
  const key = `${height}x${width}`;
  let z = standIns.get(key);
  if (!z) {
    z = [new Array(width).fill(0)];
    for (let r = 1; r < height; r++) z.push([]);
    standIns.set(key, z);
  }
  return z;
}

/**
 * Whether the heatmap calc may run on the stand-in for this full trace of `gd`.
 * @param {any} gd
 * @param {any} trace
 */
function takesStandIn(gd, trace) {
  if (trace.type !== 'heatmap' || trace.zauto !== false || trace.transpose || trace.connectgaps || trace.zsmooth === 'best') return false;
  const layout = gd._fullLayout || {};
  const xa = layout[`xaxis${String(trace.xaxis || 'x').slice(1)}`];
  const ya = layout[`yaxis${String(trace.yaxis || 'y').slice(1)}`];
  if (!xa || !ya || xa.type !== 'linear' || ya.type !== 'linear' || xa.rangebreaks || ya.rangebreaks) return false;
  return isCleanPicture(trace.z);
}

/**
 * plotly.js 4.1's heatmap module (the `_module` of a heatmap in `div._fullData`, shared by every
 * plot on the page), whose functions the page wraps here and in figure-swap.js; null without one.
 * @param {any} div
 */
export function heatmapModule(div) {
  const heatmap = (div._fullData || []).find((/** @type {any} */ trace) => trace.type === 'heatmap');
  return (heatmap && heatmap._module) || null;
}

/**
 * Lets the heatmaps of `div` (drawn by plotly) take the stand-in: wraps the calc of plotly's
 * heatmap module (the `_module` of a heatmap in `div._fullData`, shared by every plot on the page)
 * once; it acts for the plots given here alone.
 * @param {any} div
 */
export function skipCleaningOfPictures(div) {
  const module = heatmapModule(div);
  if (!module || typeof module.calc !== 'function') return;
  plots.add(div);
  if (module[WRAPPED]) return;
  const calc = module.calc;
  module.calc = function (/** @type {any} */ gd, /** @type {any} */ trace) {
    if (!plots.has(gd) || !takesStandIn(gd, trace)) return calc.call(this, gd, trace);
    const z = trace.z;
    trace.z = standIn(z.length, z[0].length);
    let cd;
    try {
      cd = calc.call(this, gd, trace);
    } finally {
      trace.z = z;
    }
    if (cd && cd[0]) cd[0].z = z;
    return cd;
  };
  module[WRAPPED] = calc;
}
