// The worker sends a figure's pictures apart from its JSON (Explorer.figureParts): one
// Float32Array, transferred, never copied, instead of tens of MB of base64 inside JSON at
// 256×256 and 512×512. Each picture's z in the JSON names its picture: {dtype: 'f4', shape:
// 'H,W' or 'H,W,3', image: i}. fillPictures puts them back, as plotly takes them:
//   - H×W (a gray heatmap): H row views over the one array -- what plotly's own decoder makes
//     of a typed-array spec, made once here instead of again on every animation frame;
//   - H×W×3 (an RGB image trace): plotly's typed-array spec, its bytes an ArrayBuffer (plotly
//     decodes that without base64).
// Each trace keeps every other key (its type, its axes) as the core built it.

/**
 * @param {any} z
 * @returns {boolean}
 */
function isPictureRef(z) {
  return !!z && typeof z === 'object' && !Array.isArray(z) && Number.isInteger(z.image) && z.dtype === 'f4' && typeof z.shape === 'string';
}

/**
 * The picture a z names, as plotly takes it; throws for a reference outside the array.
 * @param {{dtype: string, shape: string, image: number}} ref
 * @param {Float32Array} images
 */
export function pictureOf(ref, images) {
  const shape = ref.shape.split(',').map(Number);
  const size = shape.reduce((a, b) => a * b, 1);
  const start = ref.image * size;
  if (!(size > 0) || start + size > images.length) {
    throw new Error(`picture ${ref.image} of shape ${ref.shape} is not among the ${images.length} values sent`);
  }
  if (shape.length === 3) {
    const bytes = images.buffer.slice(images.byteOffset + 4 * start, images.byteOffset + 4 * (start + size));
    return { dtype: 'f4', bdata: bytes, shape: ref.shape };
  }
  const [height, width] = shape;
  const rows = new Array(height);
  for (let r = 0; r < height; r++) rows[r] = images.subarray(start + r * width, start + (r + 1) * width);
  return rows;
}

/**
 * Fills, in place, every z of the figure's traces and frame traces that names a picture (a
 * picture named twice -- the first frame's are the base traces' too -- gets two views: plotly
 * never sees one z object in two traces).
 * @template {{data?: any[], frames?: {data?: any[]}[]}} F
 * @param {F} figure
 * @param {Float32Array} images
 * @returns {F}
 */
export function fillPictures(figure, images) {
  const fill = (traces) => {
    for (const trace of traces || []) if (trace && isPictureRef(trace.z)) trace.z = pictureOf(trace.z, images);
  };
  fill(figure.data);
  for (const frame of figure.frames || []) fill(frame.data);
  return figure;
}
