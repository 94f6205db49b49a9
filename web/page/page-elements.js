// The page's elements, looked up once, here: each UI piece gets its group of them as it is. A
// missing element fails the start-up with its id, rather than a null met later.
/** @type {(id: string) => any} */
const byId = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page element #${id} is missing`);
  return element;
};
export const dom = {
  body: document.body,
  heading: { name: byId('dataset-name'), streamedNote: byId('streamed-note') },
  dropZone: byId('drop-zone'),
  fileInput: byId('file-input'),
  defaultButton: byId('default-button'),
  themeSwitch: byId('theme-switch'),
  figure: byId('figure'),
  frameStatus: byId('frame-status'),
  playButton: byId('play-button'),
  distortionText: { summary: byId('distortion-summary'), table: byId('distortion-table').tBodies[0] },
  variance: { chart: byId('variance-chart'), summary: byId('variance-summary'), shares: byId('variance-shares') },
  eigen: { gallery: byId('eigen-gallery'), legendGray: byId('eigen-legend-gray'), legendRgb: byId('eigen-legend-rgb') },
  status: {
    box: byId('busy'),
    progress: byId('progress'),
    label: byId('progress-label'),
    cancel: byId('cancel-button'),
    error: byId('error'),
    notice: byId('notice'),
  },
  controls: {
    prev: byId('prev-sample'),
    next: byId('next-sample'),
    sample: byId('sample-input'),
    sampleCount: byId('sample-count'),
    thumbs: byId('thumbs'),
    k: byId('k-input'),
    kMax: byId('k-max'),
    step: byId('step-input'),
    speed: byId('speed-input'),
    speedOutput: byId('speed-output'),
  },
  exports: {
    html: byId('export-html'),
    json: byId('export-json'),
    png: byId('export-png'),
    gif: byId('export-gif'),
    webm: byId('export-webm'),
    gifProgress: {
      box: byId('gif-progress'),
      bar: byId('gif-progress-bar'),
      label: byId('gif-progress-label'),
      cancel: byId('gif-cancel'),
    },
  },
  shape: { details: byId('shape-details'), form: byId('shape-form'), height: byId('shape-height'), width: byId('shape-width') },
  worst: { title: byId('worst-title'), list: byId('worst-images') },
  grid: { input: byId('grid-input'), div: byId('sample-grid') },
  range: {
    first: byId('range-first'),
    last: byId('range-last'),
    figure: byId('range-figure'),
    canvas: byId('range-canvas'),
    caption: byId('range-caption'),
  },
  colour: {
    colormap: byId('colormap-select'),
    residual: byId('residual-select'),
    scale: byId('scale-select'),
    clip: byId('clip-select'),
    note: byId('colour-note'),
  },
  chooser: {
    form: byId('npz-chooser'),
    list: byId('npz-chooser-list'),
    hint: byId('npz-chooser-hint'),
    load: byId('npz-chooser-load'),
    cancel: byId('npz-chooser-cancel'),
  },
};
