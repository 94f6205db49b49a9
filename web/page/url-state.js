// The view in the URL hash, so that a link reopens the same view: #sample=3&k=20&step=2&speed=50.
// Only converts between the hash text and {sampleIndex, nComponents, step, frameDurationMs}; the
// view itself lives in the page's one state (state.js), and app.js decides when to read or write
// the hash. Values are checked here against what never depends on the data (whole numbers, k and
// step at least 1, speed within the slider's range); the sample and K limits of a dataset are
// applied by app.js once it is loaded. A value that is not a number is dropped, so the page keeps
// its own; keys this file does not know are kept as they were (another feature may use them).
// Hash key of each view field, in the order they are written.
const KEYS = Object.freeze({ sampleIndex: 'sample', nComponents: 'k', step: 'step', frameDurationMs: 'speed' });

// The speed slider's range and step (web/index.html #speed-input): a GIF stores frame delays in
// 10 ms units too. 0: each frame at the display's next refresh.
const SPEED = Object.freeze({ min: 0, max: 1000, step: 10 });

const LOWEST = Object.freeze({ sampleIndex: 0, nComponents: 1, step: 1 });

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/; // decimal only: no hex, exponent, Infinity or ''

function toNumber(text) {
  const trimmed = String(text).trim();
  if (!NUMBER.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

// One field's value, checked and clamped; null when it is not a number.
function fieldValue(field, text) {
  const value = toNumber(text);
  if (value === null) return null;
  if (field === 'frameDurationMs') {
    const snapped = Math.round(value / SPEED.step) * SPEED.step;
    return Math.max(SPEED.min, Math.min(SPEED.max, snapped));
  }
  const whole = Math.round(value);
  // Beyond any dataset: app.js clamps to the data, but a huge number must stay a safe integer.
  return Math.max(LOWEST[field], Math.min(Number.MAX_SAFE_INTEGER, whole));
}

function fieldOf(key) {
  for (const [field, name] of Object.entries(KEYS)) if (name === key) return field;
  return null;
}

// "#sample=3&k=abc&member=x" -> {view: {sampleIndex: 3}, rest: [['member', 'x']]}.
// `view` holds only the fields given with a usable value; the last of repeated keys wins.
function parse(hash) {
  const text = String(hash || '').replace(/^#/, '');
  const view = {};
  const rest = [];
  for (const [key, value] of new URLSearchParams(text)) {
    const field = fieldOf(key);
    if (!field) {
      rest.push([key, value]);
      continue;
    }
    const checked = fieldValue(field, value);
    if (checked !== null) view[field] = checked;
  }
  return { view, rest };
}

// The hash for `view` (its fields that are set), keeping the unknown keys of `previousHash`
// after the view's own: format({sampleIndex: 3, nComponents: 20}, '#member=x') ->
// '#sample=3&k=20&member=x'. '' when there is nothing to write.
function format(view, previousHash = '') {
  const params = new URLSearchParams();
  for (const [field, key] of Object.entries(KEYS)) {
    const value = view && view[field];
    if (value !== undefined && value !== null && Number.isFinite(Number(value))) params.append(key, String(value));
  }
  for (const [key, value] of parse(previousHash).rest) params.append(key, value);
  const text = params.toString();
  return text ? `#${text}` : '';
}

export { KEYS, SPEED, parse, format };

// ---- the view options that are words (colour maps, scale, theme) or the clip percentage ------
// #colormap=viridis&residual=purple-orange&scale=frame&clip=1&theme=dark. Each is written only
// when it differs from its default (theme only when the visitor chose one: by default the page
// follows the system's colour scheme), so links of the plain view stay as they were. A value that
// is not one of the accepted ones is dropped, as a bad number is.
const OPTIONS = Object.freeze({
  colormap: Object.freeze({ key: 'colormap', values: ['grey', 'viridis', 'cividis', 'magma'], fallback: 'grey' }),
  residualColormap: Object.freeze({ key: 'residual', values: ['red-blue', 'purple-orange'], fallback: 'red-blue' }),
  scale: Object.freeze({ key: 'scale', values: ['fixed', 'frame'], fallback: 'fixed' }),
  clipPercent: Object.freeze({ key: 'clip', min: 0, max: 25, fallback: 0 }),
  theme: Object.freeze({ key: 'theme', values: ['light', 'dark'], fallback: null }),
});

const ALIASES = Object.freeze({ gray: 'grey' });

function optionValue(option, text) {
  if (option.values) {
    const word = String(text).trim().toLowerCase();
    const value = ALIASES[word] || word;
    return option.values.includes(value) ? value : null;
  }
  const value = toNumber(text);
  return value === null || value < option.min || value > option.max ? null : value;
}

// "#colormap=viridis&clip=x&sample=3" -> {colormap: 'viridis'}: the options given with a usable
// value (the last of repeated keys wins).
function parseOptions(hash) {
  const options = {};
  for (const [key, text] of new URLSearchParams(String(hash || '').replace(/^#/, ''))) {
    for (const [field, option] of Object.entries(OPTIONS)) {
      if (option.key !== key) continue;
      const value = optionValue(option, text);
      if (value !== null) options[field] = value;
    }
  }
  return options;
}

// `hash` with the options' keys written afresh after its other keys: those of `options` that are
// set and not their default. formatOptions({colormap: 'viridis', scale: 'fixed'}, '#sample=3') ->
// '#sample=3&colormap=viridis'.
function formatOptions(options, hash = '') {
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  for (const option of Object.values(OPTIONS)) params.delete(option.key);
  for (const [field, option] of Object.entries(OPTIONS)) {
    const value = options && options[field];
    if (value !== undefined && value !== null && value !== option.fallback) params.append(option.key, String(value));
  }
  const text = params.toString();
  return text ? `#${text}` : '';
}

export { OPTIONS, parseOptions, formatOptions };

// ---- one key of the hash, for a view that keeps its own (range-view.js, sample-grid.js) --------

/** The text of `key` in the hash; null when absent. @param {string} hash @param {string} key */
function hashValue(hash, key) {
  return new URLSearchParams(String(hash || '').replace(/^#/, '')).get(key);
}

/**
 * The hash with `key` set to `value` (removed for null), its other keys kept in their order.
 * @param {string} hash
 * @param {string} key
 * @param {string | null} value
 */
function withHashValue(hash, key, value) {
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''));
  if (value === null) params.delete(key);
  else params.set(key, value);
  const text = params.toString();
  return text ? `#${text}` : '';
}

export { hashValue, withHashValue };

// ---- a view clamped to a dataset -----------------------------------------------------------------

/** `value` rounded to an integer in [lo, hi]; lo when it is not a number. @param {any} value @param {number} lo @param {number} hi */
function clampInt(value, lo, hi) {
  const n = Math.round(Number(value));
  if (!Number.isFinite(n)) return lo;
  return Math.max(lo, Math.min(hi, n));
}

/**
 * The view `wanted` asks for (a parsed hash's, or the one on screen), clamped to a dataset of
 * `samples` images with `components` components at most; a field it lacks takes `current`'s.
 * The step is clamped to the K it ends up with.
 * @param {{sampleIndex?: number, nComponents?: number, step?: number}} wanted
 * @param {{sampleIndex: number, nComponents: number, step: number}} current
 * @param {{samples: number, components: number}} limits
 */
function clampView(wanted, current, { samples, components }) {
  const pick = (/** @type {number | undefined} */ value, /** @type {number} */ fallback) => (value === undefined ? fallback : value);
  const nComponents = clampInt(pick(wanted.nComponents, current.nComponents), 1, components);
  return {
    sampleIndex: clampInt(pick(wanted.sampleIndex, current.sampleIndex), 0, samples - 1),
    nComponents,
    step: clampInt(pick(wanted.step, current.step), 1, nComponents),
  };
}

export { clampInt, clampView };
