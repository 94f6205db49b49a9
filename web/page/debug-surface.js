// The page's read-only debug surface, self.pcaExplorer.debug: views of the state for the
// end-to-end tests, scripts/bench and the curious, and the few test hooks (a worker crash, a fault
// in the module, the streaming budget). app.js hands over what they look at.
import { Request } from '../shared/protocol.js';
import { DEFAULTS } from './state.js';
import { figureSettings } from './figure-controller.js';

/**
 * @param {{
 *   state: any,
 *   figureDiv: HTMLElement,
 *   view: any,
 *   client: any,
 *   timings: any,
 *   streamSettings: {aboveBytes: number, windowBytes: number, split: boolean, solver?: string},
 *   exclusive: (job: () => Promise<any>) => Promise<any>,
 *   figuresAhead: () => {pending: number, made: number, used: number},
 *   warmUps: () => number,
 * }} app
 */
function exposeDebugSurface({ state, figureDiv, view, client, timings, streamSettings, exclusive, figuresAhead, warmUps }) {
  /** @type {any} */ (self).pcaExplorer = Object.freeze({
    debug: Object.freeze({
      fitCount: () => state.fitCount,
      state: () => state,
      figureDiv: () => figureDiv,
      view: () => view,
      // Kills the worker as a crash would (the page's recovery path, for the tests).
      simulateWorkerCrash: () => client.restart('simulated crash', { fatal: true }),
      // The phases of the last load and figure refresh in ms (scripts/bench).
      timings: () => JSON.parse(JSON.stringify(timings)),
      // The figures of the neighbouring views asked for ahead (figures-ahead.js): {pending, made, used}.
      figuresAhead: () => figuresAhead(),
      // The WARM_UP requests sent (app.js: one per worker, after the dataset it shows first).
      warmUps: () => warmUps(),
      // Who reads the visitor's files: 'worker', 'page' (where a worker cannot read a Blob:
      // WebKit from file://, or forced by self.PCA_READ_FILES_ON_PAGE), null before the probe.
      fileReading: () => client.fileReading,
      // Streamed mode for the tests: files whose float32 matrix needs more than `bytes` are
      // streamed, keeping the first rows that fit windowBytes (default 64 MiB); split: false reads
      // them in one worker. Applies from the next load.
      setStreamAboveBytes: (bytes, { windowBytes = DEFAULTS.streamWindowBytes, split = true, solver = 'auto' } = {}) =>
        Object.assign(streamSettings, { aboveBytes: Number(bytes), windowBytes: Number(windowBytes), split: Boolean(split), solver }),
      // Figures whose pictures pass `bytes` come in two parts, the first frame first
      // (figure-controller.js; default 8 MiB); from the next figure asked for.
      setFirstFrameFirstAboveBytes: (bytes) => (figureSettings.firstFrameFirstAboveBytes = Number(bytes)),
      // A real fault inside the WebAssembly module ('abort' or 'trap'), in the worker's queue.
      faultWorker: (fault) => exclusive(() => client.request(Request.DEBUG_FAULT, { fault }).promise).catch(() => {}),
    }),
  });
}

export { exposeDebugSurface };
