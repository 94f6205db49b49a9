// "Download WebM": the whole animation as a video, one video frame per figure frame, each lasting
// the speed chosen (0 ms, the display rate, is stored as 1/60 s). Each frame is drawn into a canvas
// by the caller (export.js: plotly off screen, as for the GIF), encoded by the browser's WebCodecs
// VideoEncoder (VP9, else VP8) and muxed into WebM by webm-muxer (npm, MIT; vendor/webm-muxer.js,
// loaded on the first WebM export only). Browsers without WebCodecs or without a VP8/VP9 encoder
// get the button disabled with the reason (webmSupport).

const MUXER_SCRIPT = 'vendor/webm-muxer.js';
const DISPLAY_RATE_MS = 1000 / 60;
const KEY_FRAME_EVERY = 30; // frames: seeking in a long video stays quick
// WebCodecs codec string, and the Matroska codec id webm-muxer writes for it.
const CODECS = Object.freeze([
  { codec: 'vp09.00.10.08', matroska: 'V_VP9', name: 'VP9' },
  { codec: 'vp8', matroska: 'V_VP8', name: 'VP8' },
]);

/** @typedef {{codec: string, matroska: string, name: string}} Codec */

/**
 * The first codec the browser encodes at this size, or why none: {codec} | {reason}.
 * @param {number} width
 * @param {number} height
 * @returns {Promise<{codec: Codec, reason?: undefined} | {codec?: undefined, reason: string}>}
 */
async function webmSupport(width = 1280, height = 720) {
  const g = /** @type {any} */ (globalThis);
  if (typeof g.VideoEncoder !== 'function' || typeof g.VideoFrame !== 'function') {
    return { reason: 'This browser has no WebCodecs VideoEncoder, which the WebM video needs: try the GIF.' };
  }
  if (isWebKit(g.navigator)) {
    // WebKitGTK 2.50's page process crashed at VideoEncoder.isConfigSupported (VP9 and VP8 at
    // start-up, tests/engines): the page must not be lost to a probe.
    return { reason: "WebM export is off in WebKit (Safari's engine): its video encoder crashed the page when asked. Try the GIF." };
  }
  for (const codec of CODECS) {
    try {
      const answer = await g.VideoEncoder.isConfigSupported(encoderConfig(codec, evenSize(width), evenSize(height), 100));
      if (answer.supported) return { codec };
    } catch (_) {
      /* not this one */
    }
  }
  return { reason: 'This browser cannot encode VP8 or VP9 video (WebCodecs), which the WebM video needs: try the GIF.' };
}

/** Safari's engine (WebKit), not Chromium's (whose user agent also names AppleWebKit). @param {any} nav */
function isWebKit(nav) {
  const ua = String((nav && nav.userAgent) || '');
  return /AppleWebKit/.test(ua) && !/Chrome|Chromium|Edg\//.test(ua);
}

// VP8/VP9 encoders want even sizes (4:2:0 chroma); one pixel less at most.
/** @param {number} n */
const evenSize = (n) => Math.max(2, Math.floor(n / 2) * 2);

/** @param {Codec} codec @param {number} width @param {number} height @param {number} frameMs */
function encoderConfig(codec, width, height, frameMs) {
  return { codec: codec.codec, width, height, bitrate: 4_000_000, framerate: 1000 / frameMs, latencyMode: 'quality' };
}

/**
 * Encodes `count` frames, each drawn by drawFrame(i, context, width, height) into a canvas of the
 * size given (rounded down to even), lasting frameDurationMs. job.cancelled is checked between
 * frames; onProgress(done, total). Resolves with the WebM's bytes.
 * @param {{count: number, width: number, height: number, frameDurationMs: number,
 *   drawFrame: (i: number, context: CanvasRenderingContext2D, width: number, height: number) => Promise<void>,
 *   loadMuxer: () => Promise<any>, job?: {cancelled?: boolean}, onProgress?: (done: number, total: number) => void,
 *   cancelledError: () => Error}} options
 */
async function encodeWebm({
  count,
  width,
  height,
  frameDurationMs,
  drawFrame,
  loadMuxer,
  job = {},
  onProgress = () => {},
  cancelledError,
}) {
  const support = await webmSupport(width, height);
  if (!support.codec) throw new Error(support.reason);
  const { Muxer, ArrayBufferTarget } = await loadMuxer();
  const w = evenSize(width);
  const h = evenSize(height);
  const frameMs = frameDurationMs > 0 ? frameDurationMs : DISPLAY_RATE_MS;
  const frameUs = Math.round(frameMs * 1000);
  const muxer = new Muxer({
    target: new ArrayBufferTarget(),
    video: { codec: support.codec.matroska, width: w, height: h, frameRate: 1000 / frameMs },
    firstTimestampBehavior: 'strict',
  });
  /** @type {Error | null} */
  let failed = null;
  const g = /** @type {any} */ (globalThis);
  const encoder = new g.VideoEncoder({
    output: (/** @type {any} */ chunk, /** @type {any} */ meta) => muxer.addVideoChunk(chunk, meta),
    error: (/** @type {Error} */ error) => (failed = error),
  });
  encoder.configure(encoderConfig(support.codec, w, h, frameMs));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d', { alpha: false }));
  try {
    onProgress(0, count);
    for (let i = 0; i < count; i++) {
      if (job.cancelled) throw cancelledError();
      await drawFrame(i, context, w, h);
      if (job.cancelled) throw cancelledError();
      if (failed) throw failed;
      const frame = new g.VideoFrame(canvas, { timestamp: i * frameUs, duration: frameUs });
      encoder.encode(frame, { keyFrame: i % KEY_FRAME_EVERY === 0 });
      frame.close();
      onProgress(i + 1, count);
      await new Promise((resolve) => setTimeout(resolve, 0)); // let the page handle input and paint
    }
    await encoder.flush();
    if (failed) throw failed;
    muxer.finalize();
    return new Uint8Array(muxer.target.buffer);
  } finally {
    if (encoder.state !== 'closed') encoder.close();
  }
}

export { webmSupport, encodeWebm, MUXER_SCRIPT };
