// The ONE place for the page's UI state. app.js owns the single state object made here, changes
// it only through update(), and redraws the DOM from it.
const DEFAULTS = Object.freeze({
  nComponents: 50, // K shown when a dataset loads (capped by the fitted rank)
  step: 1,
  frameDurationMs: 100,
  gallery: 8, // eigen-images shown after the mean
  thumbnails: 24, // samples in the thumbnail strip
  chunkBytes: 4 << 20, // File.slice chunk read by the worker
  // A file whose float32 matrix needs more than this is streamed: PCA over all its rows, only
  // the first ones that fit streamWindowBytes kept for display (LOAD's stream).
  streamAboveBytes: 1 << 30,
  streamWindowBytes: 64 << 20,
  // The gray images' colours (url-state.js OPTIONS has the accepted values).
  colour: Object.freeze({ colormap: 'grey', residualColormap: 'red-blue', scale: 'fixed', clipPercent: 0 }),
});

function createState() {
  return {
    // The dataset on screen: replaced only once a new one has been read, fitted and drawn.
    // {name, source: Blob|File, member (of a .npz, or undefined), info, nComponents (fitted, or
    //  of the basis file: info.basis), explainedVariance, explainedVarianceRatio, mean,
    //  components, builtIn}
    dataset: null,
    // While the visitor picks an array of a .npz with several stacks of images:
    // {dataset: {name, source, builtIn}, members: [{name, shape, dtype, image, note}], basis}
    chooser: null,
    sampleIndex: 0,
    nComponents: DEFAULTS.nComponents, // K shown
    step: DEFAULTS.step,
    frameDurationMs: DEFAULTS.frameDurationMs,
    frame: { index: 0, count: 0, k: 0, playing: false }, // the animation, as the figure reports it
    thumbnails: null, // {start, count, height, width, channels, pixels} of the strip on screen
    busy: null, // {phase, done, total, requestId} while the worker works for the visitor
    error: null, // the last error message shown (the figure on screen stays)
    notice: null, // a non-error message (e.g. "Cancelled.")
    fitCount: 0, // the worker module's fitCount(): tests prove a sample change did not refit
    // The last file refused for want of an image shape (or with a wrong one): {source, name,
    // imageShape}; the shape field's Apply reads it again, so nothing has to be dropped twice.
    shapeFile: null,
    // The gray images' colours: {colormap, residualColormap, scale, clipPercent}.
    colour: Object.assign({}, DEFAULTS.colour),
    // The theme the visitor chose with the switch or a link ('light' | 'dark'), or null: follow
    // the system's prefers-color-scheme.
    theme: null,
  };
}

// Shallow merge of a patch; nested objects are replaced, not merged.
function update(state, patch) {
  Object.assign(state, patch);
  return state;
}

export { DEFAULTS, createState, update };
