// The helper: a second worker (same source, started by the page, which joins the two with a
// MessagePort) that does part of the work of the one the page talks to, so that both cores are used:
//   - a fit: it accumulates the covariance of some of the rows (sent over by transfer) and sends
//     back the partial state {count, shift, sum, scatter}, merged by the main worker;
//   - a top-K fit (split-fit.js): it keeps a copy of some rows (a RowsShare) and runs its part of
//     every pass of the solver on them (moments, then X·Q and Xᵀ(X·Q)), sent back and merged;
//   - a streamed file (larger than memory): it reads its own part of the file (Blob.slice of the
//     same File into its own Explorer, readRows) while the main worker reads the rest, and sends
//     back the part's covariance (or moments, for a file fitted in passes) and value range;
//   - a pass of the top-K fit of a streamed file (streamed-fit.js): it reads its rows of the file
//     into a FileGramPass for the basis sent, and sends back the product.
// No SharedArrayBuffer (works from file:// too). None of this is part of the page protocol: the
// messages are HelperMessage in shared/protocol.js.
import { ErrorCode, cancelledError, errorMessage } from '../shared/protocol.js';
import { errorCode, codedError } from '../shared/error-codes.js';
import { blobChunks } from './blob-chunks.js';
import { sourceToMessage } from './port-blob.js';
import { warmUpAccumulator } from './warm-up.js';

/** @typedef {import('../shared/protocol.js').HelperMessage} HelperMessage */
/** @typedef {import('../shared/protocol.js').PartRequest} PartRequest */
/** @typedef {import('../../wasm/pcarecon').AccumulatorState} AccumulatorState */
/** @typedef {import('../../wasm/pcarecon').StreamedPart} StreamedPart */
/** @typedef {Pick<import('./worker.js').Session, 'startModule' | 'wasmModule' | 'isFatal' | 'sourceFrom'>} HelperEnv */
/** @typedef {{postMessage(message: HelperMessage, transfer?: Transferable[]): void, onmessage: ((event: MessageEvent) => void) | null}} HelperPort */
/** @typedef {{resolve: (value: any) => void, reject: (error: Error) => void, onProgress?: (done: number) => void}} Pending */

/**
 * One end of the channel, in either worker: the main worker asks (warmUp, accumulate, readPart),
 * the helper serves.
 * @param {HelperPort} port
 * @param {HelperEnv} env
 */
function createLink(port, env) {
  const asks = createAsks(port);
  const partsCancelled = new Set(); // in the helper: ids of parts to stop
  // In the helper: the part being read. Parts run one after another: they share the helper's one
  // Explorer, and a cancelled part's clean-up (cancelFile), if it ran after the next part had
  // begun its file, would discard that part's file instead.
  let partsDone = Promise.resolve();
  let warm = false; // the helper was told to start its module
  let kernelsWarm = false; // ... and to run its warm-up (warm-up.js)
  // In the helper: the rows of a split top-K fit, and its requests, served one after another.
  const split = { share: /** @type {any} */ (null), done: Promise.resolve() };
  // In the helper: its sums of a two-worker Gram fit (split-gram.js), then its weights for the
  // components' product, served in order.
  /** @type {SplitGramState} */
  const gram = { share: null, components: null, done: Promise.resolve() };

  port.onmessage = (event) => {
    /** @type {HelperMessage} */
    const message = event.data;
    switch (message.helper) {
      case 'warm':
        env
          .startModule()
          .then(() => message.kernels && warmUpAccumulator(env.wasmModule()))
          .catch(() => {});
        return;
      case 'accumulate':
        serveAccumulate(port, env, message);
        return;
      case 'read-part':
        partsDone = partsDone.then(() => serveReadPart(port, env, message, partsCancelled));
        return;
      case 'file-pass':
        partsDone = partsDone.then(() => serveFilePass(port, env, message, partsCancelled));
        return;
      case 'share':
      case 'moments':
      case 'gram':
      case 'drop-share':
        split.done = split.done.then(() => serveSplitFit(port, env, message, split));
        return;
      case 'gram-piece':
      case 'gram-take':
      case 'component-weights':
      case 'component-piece':
      case 'drop-gram':
        gram.done = gram.done.then(() => serveSplitGram(port, env, message, gram));
        return;
      case 'cancel-part':
        partsCancelled.add(message.id);
        return;
      case 'progress':
        asks.progress(message);
        return;
      case 'distortions':
        serveDistortions(port, env, message);
        return;
      default:
        asks.settle(message);
    }
  };

  // Tells the helper to start its module (e.g. while this worker reads the file), and with
  // kernels, to run its warm-up once (WARM_UP).
  function warmUp({ kernels = false } = {}) {
    if (warm && (!kernels || kernelsWarm)) return;
    warm = true;
    kernelsWarm = kernelsWarm || kernels;
    port.postMessage({ helper: 'warm', kernels });
  }

  /**
   * Sends rows (transferred) to the helper; resolves with its accumulator state.
   * @param {import('../../wasm/pcarecon').HeldRows} rows
   * @param {number} dim
   * @returns {Promise<AccumulatorState>}
   */
  function accumulate(rows, dim) {
    warmUp();
    return asks.ask({ helper: 'accumulate', id: 0, rows, dim }, [rows.buffer]).promise;
  }

  /**
   * Asks the helper to read samples [begin, end) of request.source.
   * @param {PartRequest} request
   * @param {(done: number) => void} onProgress
   * @returns {{promise: Promise<StreamedPart>, cancel: () => void}}
   */
  function readPart(request, onProgress) {
    const message = { helper: /** @type {const} */ ('read-part'), id: 0, ...request, source: sourceToMessage(request.source) };
    return askPart(message, [], onProgress);
  }

  /**
   * A request the helper serves reading a file (read-part, file-pass): its promise, and a cancel
   * that stops the helper between two chunks (nothing once it has answered).
   * @template T
   * @param {import('../shared/protocol.js').HelperReadPart | import('../shared/protocol.js').HelperFilePass} message
   * @param {Transferable[]} transfer
   * @param {(done: number) => void} onProgress
   * @returns {{promise: Promise<T>, cancel: () => void}}
   */
  function askPart(message, transfer, onProgress) {
    warmUp();
    let settled = false;
    const { id, promise } = asks.ask(message, transfer, onProgress);
    promise.finally(() => (settled = true)).catch(() => {}); // awaited later, or not at all if this worker failed first
    return {
      promise,
      cancel: () => {
        if (!settled) port.postMessage({ helper: 'cancel-part', id });
      },
    };
  }

  /**
   * Asks the helper for its rows' product of one pass over a streamed file (the basis' buffers
   * are transferred).
   * @param {import('../shared/protocol.js').FilePassRequest} request
   * @param {Transferable[]} transfer
   * @param {(done: number) => void} onProgress
   * @returns {{promise: Promise<Float64Array>, cancel: () => void}}
   */
  function filePass(request, transfer, onProgress) {
    const message = { helper: /** @type {const} */ ('file-pass'), id: 0, ...request, source: sourceToMessage(request.source) };
    return askPart(message, transfer, onProgress);
  }

  /**
   * One request of a split top-K fit: keep rows (transferred), or run a pass on them; or of a
   * split Gram fit: sum a piece of columns (transferred), hand the sums over, take the weights,
   * answer a piece's rows of the components' product, or drop them.
   * @param {HelperMessage & {helper: 'share' | 'moments' | 'gram' | 'drop-share' | 'gram-piece' | 'gram-take' | 'component-weights' | 'component-piece' | 'drop-gram'}} message
   * @param {Transferable[]} [transfer]
   */
  function splitFit(message, transfer) {
    warmUp();
    return asks.ask(/** @type {any} */ (message), transfer || []).promise;
  }

  /**
   * Sends rows (transferred) and the model's head (modelHead) to the helper; resolves with their
   * distortions (rowDistortionsOf).
   * @param {import('../../wasm/pcarecon').HeldRows} rows
   * @param {{mean: Float64Array, components: Float64Array}} head
   * @returns {Promise<import('../../wasm/pcarecon').RowDistortions>}
   */
  function distortions(rows, head) {
    warmUp();
    const message = { helper: /** @type {const} */ ('distortions'), id: 0, rows, ...head };
    return asks.ask(message, [rows.buffer, head.mean.buffer, head.components.buffer]).promise;
  }

  return { warmUp, accumulate, readPart, filePass, splitFit, distortions };
}

// ---- the main worker's side: its requests to the helper, matched to the replies by id

/** @param {HelperPort} port */
function createAsks(port) {
  /** @type {Map<number, Pending>} */
  const pending = new Map();
  let ids = 0;
  return {
    /**
     * @param {import('../shared/protocol.js').HelperAccumulate | import('../shared/protocol.js').HelperReadPart | import('../shared/protocol.js').HelperFilePass | import('../shared/protocol.js').HelperDistortions} message
     * @param {Transferable[]} transfer
     * @param {(done: number) => void} [onProgress]
     */
    ask(message, transfer, onProgress) {
      const id = ++ids;
      const promise = new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, onProgress });
        port.postMessage({ ...message, id }, transfer);
      });
      return { id, promise };
    },
    /** @param {import('../shared/protocol.js').HelperProgress} message */
    progress(message) {
      const entry = pending.get(message.id);
      if (entry && entry.onProgress) entry.onProgress(message.done);
    },
    /** @param {import('../shared/protocol.js').HelperState | import('../shared/protocol.js').HelperPart | import('../shared/protocol.js').HelperError | import('../shared/protocol.js').HelperResult} message */
    settle(message) {
      const entry = pending.get(message.id);
      if (!entry) return;
      pending.delete(message.id);
      if (message.helper === 'state') entry.resolve(message.state);
      else if (message.helper === 'part') entry.resolve(message.part);
      else if (message.helper === 'result') entry.resolve(message.result);
      else {
        const error = codedError(message.message || 'the helper worker failed', message.code);
        // down: it cannot read at all, the main worker takes over
        entry.reject(Object.assign(error, { helperDown: Boolean(message.down) }));
      }
    },
  };
}

// ---- the helper's side

/**
 * @param {HelperPort} port
 * @param {HelperEnv} env
 * @param {import('../shared/protocol.js').HelperAccumulate} message
 */
async function serveAccumulate(port, env, message) {
  let accumulator = null;
  try {
    await env.startModule();
    accumulator = new (env.wasmModule().Accumulator)();
    accumulator.add(/** @type {import('../../wasm/pcarecon').HeldRows} */ (message.rows), message.dim);
    message.rows = null;
    const state = accumulator.state();
    port.postMessage({ helper: 'state', id: message.id, state }, [state.shift.buffer, state.sum.buffer, state.scatter.buffer]);
  } catch (error) {
    port.postMessage({ helper: 'error', id: message.id, message: errorMessage(error), code: errorCode(error) || ErrorCode.INTERNAL });
  } finally {
    if (accumulator) accumulator.delete();
  }
}

/**
 * The helper's side of a split top-K fit: 'share' keeps the rows sent (replacing any), 'moments'
 * and 'gram' run a pass over them, 'drop-share' frees them.
 * @param {HelperPort} port
 * @param {HelperEnv} env
 * @param {any} message
 * @param {{share: any}} split
 */
async function serveSplitFit(port, env, message, split) {
  try {
    await env.startModule();
    let result = null;
    /** @type {Transferable[]} */
    let transfer = [];
    if (message.helper === 'share' || message.helper === 'drop-share') {
      if (split.share) split.share.delete();
      split.share = null;
      if (message.helper === 'share') {
        split.share = new (env.wasmModule().RowsShare)(message.rows, message.dim, message.firstSample);
        message.rows = null;
      }
    } else if (!split.share) {
      throw new Error('internal error: the helper holds no rows for this fit');
    } else if (message.helper === 'moments') {
      result = split.share.moments(message.shift);
      transfer = [result.shift.buffer, result.sum.buffer, result.squares.buffer];
    } else {
      result = split.share.gram(message.pass);
      transfer = [result.buffer];
    }
    port.postMessage({ helper: 'result', id: message.id, result }, transfer);
  } catch (error) {
    port.postMessage({ helper: 'error', id: message.id, message: errorMessage(error), code: errorCode(error) || ErrorCode.INTERNAL });
  }
}

/**
 * @typedef {{share: import('../../wasm/pcarecon').GramShare | null, components: import('../../wasm/pcarecon').ComponentShare | null, done: Promise<void>}} SplitGramState
 */

/**
 * The helper's side of a split Gram fit (split-gram.js): 'gram-piece' adds a piece of columns to
 * its int32 sums (answering with the sums so far first when the piece would not fit them, else
 * null), 'gram-take' answers with the sums and frees them; 'component-weights' keeps the weights
 * of the components' product, 'component-piece' answers with a piece's rows of it; 'drop-gram'
 * frees all.
 * @param {HelperPort} port
 * @param {HelperEnv} env
 * @param {import('../shared/protocol.js').HelperSplitGram} message
 * @param {SplitGramState} gram
 */
async function serveSplitGram(port, env, message, gram) {
  const free = () => {
    gram.share?.delete();
    gram.components?.delete();
    gram.share = gram.components = null;
  };
  try {
    await env.startModule();
    /** @type {import('../../wasm/pcarecon').GramShareSums | Float32Array | null} */
    let result = null;
    /** @type {Transferable[]} */
    let transfer = [];
    if (message.helper === 'gram-piece') {
      const rows = /** @type {Uint8Array | Int8Array} */ (message.rows);
      message.rows = null;
      if (!gram.share) gram.share = new (env.wasmModule().GramShare)(message.samples, message.begin);
      const sums = gram.share.roomFor(message.width) ? null : gram.share.take();
      gram.share.add(rows, message.width);
      if (sums) [result, transfer] = [sums, [sums.lower.buffer, sums.columnSums.buffer]];
    } else if (message.helper === 'gram-take') {
      if (!gram.share) throw new Error('internal error: the helper holds no sums of G');
      const sums = gram.share.take();
      [result, transfer] = [sums, [sums.lower.buffer, sums.columnSums.buffer]];
      free();
    } else if (message.helper === 'component-weights') {
      free();
      gram.components = new (env.wasmModule().ComponentShare)(message.weighed);
    } else if (message.helper === 'component-piece') {
      if (!gram.components) throw new Error('internal error: the helper holds no weights of the components');
      const rows = /** @type {Uint8Array | Int8Array} */ (message.rows);
      message.rows = null;
      const product = gram.components.rows(rows, message.width, message.begin);
      [result, transfer] = [product, [product.buffer]];
    } else {
      free();
    }
    port.postMessage({ helper: 'result', id: message.id, result }, transfer);
  } catch (error) {
    free();
    port.postMessage({ helper: 'error', id: message.id, message: errorMessage(error), code: errorCode(error) || ErrorCode.INTERNAL });
  }
}

/**
 * Reads a part of a streamed file into this worker's Explorer (which holds nothing else).
 * @param {HelperPort} port
 * @param {HelperEnv} env
 * @param {import('../shared/protocol.js').HelperReadPart} message
 * @param {Set<number>} partsCancelled
 */
async function serveReadPart(port, env, message, partsCancelled) {
  const { id, dataOffset, begin, end, sampleBytes, chunk, hint } = message;
  let ex = null;
  try {
    const source = env.sourceFrom(message.source);
    ex = await env.startModule();
    ex.setStreamAboveBytes(0); // the main worker streams this file: its part streams here too
    ex.setStreamSolver(message.solver || 'auto');
    ex.beginFile(hint[0], hint[1]);
    ex.expectFileSize(source.size);
    ex.feed(new Uint8Array(await source.slice(0, dataOffset).arrayBuffer()));
    ex.readRows(begin, end);
    const rows = { id, source, first: dataOffset + begin * sampleBytes, stop: dataOffset + end * sampleBytes, chunk };
    await feedChunks(port, rows, partsCancelled, (bytes) => ex.feed(bytes));
    const part = ex.finishPart();
    const sums = part.moments ? part.moments : /** @type {AccumulatorState} */ (part.rows);
    const { shift, sum } = sums;
    const rest = 'squares' in sums ? sums.squares : sums.scatter;
    port.postMessage({ helper: 'part', id, part }, [shift.buffer, sum.buffer, rest.buffer]);
  } catch (error) {
    const down = !ex || env.isFatal(error);
    if (ex && !down) {
      try {
        ex.cancelFile();
      } catch (_) {
        /* nothing pending */
      }
    }
    port.postMessage({ helper: 'error', id, message: errorMessage(error), code: errorCode(error) || ErrorCode.INTERNAL, down });
  } finally {
    partsCancelled.delete(id);
  }
}

/**
 * Bytes [first, stop) of a file to `feed`, a chunk at a time, with the main worker told the bytes
 * done after each; a cancel of request `id` is seen between two chunks.
 * @param {HelperPort} port
 * @param {{id: number, source: Blob, first: number, stop: number, chunk: number}} rows
 * @param {Set<number>} partsCancelled
 * @param {(bytes: Uint8Array) => void} feed
 */
async function feedChunks(port, { id, source, first, stop, chunk }, partsCancelled, feed) {
  let offset = first;
  for await (const bytes of blobChunks(source, first, stop, chunk)) {
    if (partsCancelled.has(id)) throw cancelledError();
    feed(bytes);
    offset += bytes.byteLength;
    port.postMessage({ helper: 'progress', id, done: offset - first });
  }
  if (partsCancelled.has(id)) throw cancelledError();
}

/**
 * The helper's rows of one pass over a streamed file: read into a FileGramPass, its product sent
 * back (transferred).
 * @param {HelperPort} port
 * @param {HelperEnv} env
 * @param {import('../shared/protocol.js').HelperFilePass} message
 * @param {Set<number>} partsCancelled
 */
async function serveFilePass(port, env, message, partsCancelled) {
  const { id, dataOffset, begin, end, sampleBytes, chunk } = message;
  let pass = null;
  let started = false;
  try {
    const source = env.sourceFrom(message.source);
    await env.startModule();
    started = true;
    const header = new Uint8Array(await source.slice(0, dataOffset).arrayBuffer());
    pass = new (env.wasmModule().FileGramPass)(header, begin, end, message.pass);
    const rows = { id, source, first: dataOffset + begin * sampleBytes, stop: dataOffset + end * sampleBytes, chunk };
    const reading = pass;
    await feedChunks(port, rows, partsCancelled, (bytes) => reading.feed(bytes));
    const product = pass.product(message.pass.basis); // written over the basis it came with, sent back
    port.postMessage({ helper: 'result', id, result: product }, [product.buffer]);
  } catch (error) {
    const down = !started || env.isFatal(error);
    port.postMessage({ helper: 'error', id, message: errorMessage(error), code: errorCode(error) || ErrorCode.INTERNAL, down });
  } finally {
    if (pass) pass.delete();
    partsCancelled.delete(id);
  }
}

/**
 * The helper's share of DISTORTIONS (worker/dataset-distortions.js), in its own module.
 * @param {HelperPort} port
 * @param {HelperEnv} env
 * @param {import('../shared/protocol.js').HelperDistortions} message
 */
async function serveDistortions(port, env, message) {
  try {
    await env.startModule();
    const { rows, mean, components } = message;
    const distortions = env.wasmModule().rowDistortionsOf({ rows, mean, components });
    port.postMessage({ helper: 'result', id: message.id, result: distortions }, [distortions.atK.buffer, distortions.sums.buffer]);
  } catch (error) {
    port.postMessage({ helper: 'error', id: message.id, message: errorMessage(error), code: errorCode(error) || ErrorCode.INTERNAL });
  }
}

export { createLink };
