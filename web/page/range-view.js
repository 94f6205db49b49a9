// The component range view: the current sample rebuilt from components a..b only (the module's
// rangeReconstruction), beside the figure's first-k reconstruction. Its link key is `range=a-b` in
// the URL hash, which is where the range lives: the inputs write it, and the page reads it back
// (url-state.js keeps keys it does not know). parseRange/withRange only convert.
import { hashValue, withHashValue } from './url-state.js';

const KEY = 'range';
const RANGE = /^\s*(\d+)\s*-\s*(\d+)\s*$/;

/**
 * "#sample=3&range=2-10" -> {first: 2, last: 10}; null when absent or not "a-b" with 1 <= a <= b.
 * @param {string} hash
 * @returns {{first: number, last: number} | null}
 */
function parseRange(hash) {
  const text = hashValue(hash, KEY);
  const match = text === null ? null : RANGE.exec(text);
  if (!match) return null;
  const [first, last] = [Number(match[1]), Number(match[2])];
  return first >= 1 && first <= last && Number.isSafeInteger(last) ? { first, last } : null;
}

/**
 * The hash with its range set (or removed for null), other keys kept in their order.
 * @param {string} hash
 * @param {{first: number, last: number} | null} range
 */
function withRange(hash, range) {
  return withHashValue(hash, KEY, range ? `${range.first}-${range.last}` : null);
}

/**
 * elements: {first, last, figure, canvas, caption}; onChange(range | null) when the visitor
 * changes an input (both empty: no range).
 */
class RangeView {
  /**
   * @param {{first: HTMLInputElement, last: HTMLInputElement, figure: HTMLElement, canvas: HTMLCanvasElement, caption: HTMLElement}} elements
   * @param {{onChange: (range: {first: number, last: number} | null) => void}} callbacks
   */
  constructor(elements, { onChange }) {
    this.elements = elements;
    const changed = () => {
      const [a, b] = [elements.first.value.trim(), elements.last.value.trim()];
      if (!a && !b) onChange(null);
      else if (a && b) onChange({ first: Math.round(Number(a)), last: Math.round(Number(b)) });
    };
    elements.first.addEventListener('change', changed);
    elements.last.addEventListener('change', changed);
  }

  /** @param {{first: number, last: number} | null} range @param {number} max */
  setInputs(range, max) {
    const { first, last } = this.elements;
    first.max = last.max = String(max);
    first.value = range ? String(range.first) : '';
    last.value = range ? String(range.last) : '';
  }

  /**
   * The picture, or hidden for null. result: {sampleIndex, first, last, height, width, channels,
   * pixels}; drawn with draw(canvas, pixels, width, height, channels) on the dataset's range.
   * @param {any} result
   * @param {(canvas: HTMLCanvasElement, result: any) => void} draw
   */
  render(result, draw) {
    const { figure, canvas, caption } = this.elements;
    figure.hidden = !result;
    if (!result) return;
    canvas.width = result.width;
    canvas.height = result.height;
    draw(canvas, result);
    const text = `Sample ${result.sampleIndex} from components ${result.first}..${result.last} only`;
    caption.textContent = text;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', text);
  }
}

export { parseRange, withRange, RangeView };
