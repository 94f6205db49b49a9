// A first visit's figure without a worker: the replies the worker gives for the built-in sample's
// first figure (LOAD, FIT, SUMMARY, FIGURE of the default view), made at build time by the same
// worker code (scripts/first-visit-replies.mjs) into dist/first-visit.js. The page draws from them
// while nothing else runs beside plotly.js, and starts its worker once that figure is painted
// (app.js; README, "A first visit").
import { generated } from './generated.js';
import { bytesOfBase64 } from './base64.js';

const TYPED = { Float32Array, Float64Array, Int32Array, Uint8Array, Uint32Array, Int16Array, Uint16Array, Int8Array };

// {typed, base64} (how the build wrote a typed array) back to the typed array; the rest as it is.
function decodeTyped(value) {
  if (Array.isArray(value)) return value.map(decodeTyped);
  if (!value || typeof value !== 'object') return value;
  if (typeof value.typed === 'string' && typeof value.base64 === 'string') {
    const View = TYPED[/** @type {keyof typeof TYPED} */ (value.typed)];
    if (!View) throw new Error(`first-visit.js holds an array of unknown type ${value.typed}`);
    const bytes = bytesOfBase64(value.base64); // its own buffer: aligned for any element size
    return new View(bytes.buffer, 0, bytes.byteLength / View.BYTES_PER_ELEMENT);
  }
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, decodeTyped(v)]));
}

/**
 * The build-time replies as app.js's workerReplies gives the worker's ({info, fitted, summary,
 * params, parts, ahead}, and the sample's name), or null when the page was built without them or
 * wants another view of the sample (a link's sample, K, speed or colours: the worker makes that).
 * @param {(raw: {load: {info: {samples: number}}, summary: {nComponents: number}}) => Record<string, unknown>} paramsFor
 *   the parameters of the first figure the page would ask for (app.js initialParams), given the
 *   sample's size and K from the replies
 * @returns {{name: string, info: any, fitted: any, summary: any, params: any, parts: {json: string, images: Float32Array}, ahead: boolean} | null}
 */
export function firstVisitReplies(paramsFor) {
  const raw = /** @type {any} */ (generated).PCA_FIRST_VISIT;
  if (!raw) return null;
  const params = paramsFor(raw);
  const keys = Object.keys(params);
  if (keys.length !== Object.keys(raw.params).length || keys.some((key) => raw.params[key] !== params[key])) return null;
  const made = decodeTyped(raw);
  // ahead: the variance chart waits until the figure is painted, as when the worker's replies were sent ahead
  return {
    name: made.name,
    info: made.load.info,
    fitted: made.fit,
    summary: made.summary,
    params: made.params,
    parts: made.figure,
    ahead: true,
  };
}
