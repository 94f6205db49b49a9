// The JavaScript surface of the WebAssembly module (built by `scripts/build wasm` into
// build/wasm/pcarecon.js, a classic script with the wasm inlined: -sSINGLE_FILE).
//
//   const Module = await createPcaRecon();            // global factory (MODULARIZE, EXPORT_NAME)
//   const ex = new Module.Explorer();
//   ex.beginFile(0, 0); ex.feed(chunk); ...; const info = ex.finishFile();
//   ex.fit(0); const fig = JSON.parse(ex.figureJson({sampleIndex: 3, nComponents: 50, step: 1, frameDurationMs: 100}));
//   ex.delete();                                       // embind objects must be deleted
//
// Every function throws a JS Error (PcaReconError) whose message is the core's message, e.g.
// "unsupported dtype '<c16' (complex numbers)", and whose code says what kind of failure it is:
// branch on .code, never on the message. Typed arrays enter the heap as one block copy and
// leave it as copies (slices), so they stay valid when wasm memory grows.

// The kind of a failure (pcarecon::ErrorKind in wasm/error.h):
//   bad_input          the file or an argument is wrong; the message says how
//   needs_image_shape  an (N, D) file whose D is not a perfect square: beginFile(height, width)
//                      with height * width = D; samples and values are N and D
//   too_large          refused from the header: more than the module can ever hold (4 GB)
//   out_of_memory      an allocation failed although the size was within the limits
//   parts_incomplete   finishFile of a streamed file read in parts: some samples were not read
//   internal           a bug in the module
export type ErrorCode =
  | 'bad_input'
  | 'needs_image_shape'
  | 'too_large'
  | 'out_of_memory'
  | 'parts_incomplete'
  | 'internal';

export interface PcaReconError extends Error {
  code: ErrorCode;
  samples?: number;  // needs_image_shape only: N
  values?: number;   // needs_image_shape only: D, values per sample
}
// (A fault inside the module, see debugFault, is a WebAssembly.RuntimeError instead, with no code.)

// The name the web code uses for the module's errors.
export type ModuleError = PcaReconError;

export interface NpyInfo {
  shape: number[];        // as in the file
  dtype: string;          // as in the file, e.g. "<f4"
  fortranOrder: boolean;
  version: string;        // "1.0" | "2.0" | "3.0"
  samples: number;        // N held: all of them, or for a streamed file the kept ones (keptSamples)
  height: number;         // image height
  width: number;          // image width
  channels: number;       // 1: gray, 3: RGB ((N, H, W, 3) files); a row holds height*width*channels values
  valueMin: number;       // over the whole stack (headerInfo: over the rows read so far;
  valueMax: number;       //   NaN from npyInfo and before any row has been read)
  basis?: BasisInfo | null; // finishFileWithBasis only
  streamed?: StreamedInfo; // only for a file too big to hold, streamed (info and headerInfo)
}

// A file whose float32 matrix needs more than the streaming budget (setStreamAboveBytes; by
// default the 4 GB memory limit itself): its rows went through a covariance accumulator as they
// arrived (the PCA is over all of them; valueMin/valueMax cover all of them too) and only the
// first keptSamples (the display window, setStreamWindowBytes, at least 1) are held.
export interface StreamedInfo {
  totalSamples: number;   // N in the file
  keptSamples: number;    // = NpyInfo.samples
  dataOffset: number;     // sample i's bytes start at dataOffset + i * sampleBytes (readRows)
  sampleBytes: number;
  // Fitted by the top-K solver in passes over the file (beginStreamedTopK …): its moments were
  // taken while it streamed; false: fitted from the covariance of its rows (fit()).
  topk: boolean;
}

// A part of a streamed file read by another Explorer (finishPart), to be merged (mergePart).
export interface StreamedPart {
  begin: number;          // samples [begin, end)
  end: number;
  valueMin: number;
  valueMax: number;
  rows?: AccumulatorState;   // of a file fitted from its covariance
  moments?: MomentsState;    // instead, of a file fitted in passes (StreamedInfo.topk)
  // Its NaN/Inf values (count, flat index of the first in the file, float64 overflows): merged,
  // the file's finishFile() reports every part's. Optional for mergePart (none).
  nonFinite?: { count: number; first: number; overflow: number };
}

// A model that came from a basis file instead of a fit (bring your own basis).
export interface BasisInfo {
  nComponents: number;             // K
  source: 'file';
  explainedVariance: boolean;      // false: estimated from the loaded images (variance of their loadings)
  explainedVarianceRatio: boolean; // false: explained variance / the images' total variance
}

// The header of a .npy (e.g. a .npz member), whatever its shape.
export interface NpyHeader {
  shape: number[];
  dtype: string;
  fortranOrder: boolean;
  version: string;
  height: number;             // 0 when not an image stack as it stands
  width: number;
  imageError: string | null;  // why not (the reader's message), e.g. a 1-D array or (N, D) with D not square
}

export interface FigureOptions {
  sampleIndex: number;
  nComponents: number;     // 0 = all fitted components
  step: number;            // >= 1
  frameDurationMs: number;
  binaryArrays?: boolean;  // default true: {dtype, bdata, shape}; false: plain lists
  // default false; true: frames holds the first frame alone (its pictures alone sent), the slider
  // and everything else as the whole figure's (a large figure's first part, drawn at once)
  firstFrameOnly?: boolean;
  // Gray images only (colour images keep their colours); an Error names an unknown value.
  colormap?: 'grey' | 'viridis' | 'cividis' | 'magma';      // default 'grey'
  residualColormap?: 'red-blue' | 'purple-orange';          // default 'red-blue'
  scale?: 'fixed' | 'frame';   // default 'fixed': one colour range for every frame; 'frame': each its own
  clipPercent?: number;        // 0 (default) to 25: ranges from the p-th to the (100 - p)-th percentile
}
// Numbers must be whole (an Error names the field otherwise); a missing field is an Error too.

export interface PcaResult {
  nComponents: number;
  dim: number;
  nSamples: number;
  mean: Float64Array;                 // D
  components: Float64Array;           // K*D, row-major (component i = row i)
  explainedVariance: Float64Array;    // K
  explainedVarianceRatio: Float64Array;
  singularValues: Float64Array;
  totalVariance: number;
  spectrum: Float64Array;             // every eigenvalue, descending, when the fit found them all (exact); else empty
}

export declare class Explorer {
  constructor();
  beginFile(imageHeight: number, imageWidth: number): void;  // 0, 0 = infer from the shape
  expectFileSize(bytes: number): void;  // optional, before feed: a header that does not fit the
                                        // file is refused at once, before anything is allocated
  feed(chunk: Uint8Array | ArrayBuffer): void;  // after an Error the file is dropped: beginFile again
  headerInfo(): NpyInfo | null;   // once the header has been fed; null before
  rowsRead(): number;             // samples converted so far (progress)
  finishFile(): NpyInfo;          // replaces the loaded stack only on success
  cancelFile(): void;
  info(): NpyInfo;                // of the loaded stack
  fit(nComponents: number): void; // 0 = min(N, D)
  fitCount(): number;             // how many fits ran (lets tests prove a sample change did not refit)
  model(): PcaResult;
  variance(): Omit<PcaResult, 'mean' | 'components'>;  // the same without the K*D copy
  componentCount(): number;  // the model's K, nothing copied; throws without a model
  figureJson(options: FigureOptions): string;
  // The same figure with its pictures apart: every z is {dtype: 'f4', shape: 'H,W' or 'H,W,3',
  // image: i}, the i-th picture in images (imageValues floats each, row-major).
  figureParts(options: FigureOptions): { json: string; images: Float32Array; imageValues: number };
  image(sampleIndex: number): Float32Array;                       // D = H*W*channels, row-major (RGB: r, g, b per pixel)
  reconstruction(sampleIndex: number, k: number): Float64Array;   // x̂ₖ, D
  distortion(sampleIndex: number): Float64Array;                  // K+1
  meanImage(): Float64Array;
  component(i: number): Float64Array;
  // Bring your own basis: while a file is being read (after beginFile, before finishing it),
  // stage the arrays of a basis from their .npy bytes — 'components' (K×D, one component per
  // row), 'mean' (D), optionally 'explained_variance' and 'explained_variance_ratio' (K) — then
  // finishFileWithBasis() instead of finishFile(): the model comes from the basis, checked against
  // the new images (D, K <= D, finite, orthonormal rows, lengths, signs; the message names the
  // values). On an Error nothing changes (previous stack and model stay; the file being read is
  // dropped: beginFile again). fitCount() does not move.
  setBasisArray(name: 'components' | 'mean' | 'explained_variance' | 'explained_variance_ratio',
                npyBytes: Uint8Array): void;
  finishFileWithBasis(): NpyInfo;  // with .basis
  basisInfo(): BasisInfo | null;   // of the model on hand; null when fitted (or none)
  // The two-worker fit (web/worker/requests.js): another worker accumulates rows(start, count) with an
  // Accumulator; this one accumulates its own rows, then merges that state and fits (N >= D only).
  rows(start: number, count: number): Float32Array;               // count*D, row-major copy
  // The same rows as the module holds them, for the other worker: a uint8 or bool file's as a
  // Uint8Array, an int8 file's as an Int8Array (a quarter of rows()' copy), others as rows().
  heldRows(start: number, count: number): HeldRows;
  accumulateRows(begin: number, end: number): void;               // rows [begin, end), kept until fitWith
  fitWith(nComponents: number, rest: AccumulatorState): void;     // rest must hold every other row
  extendFit(nComponents: number): boolean; // after an exact fit: K components from its decomposition (false: none kept)
  // An exact fit of the page's K from a covariance may find only K eigenpairs (Lanczos), its
  // model's spectrum empty until makeWholeSpectrum() makes every eigenvalue (the variance chart).
  spectrumPending(): boolean;
  makeWholeSpectrum(): void;
  // Streamed mode (files larger than memory). Both settings apply from the next beginFile.
  // A streamed file's fit() uses the covariance of all its rows (N >= D). A file that cannot be
  // streamed (Fortran order, N < D, a D×D covariance over 512 MB) is held whole when it fits
  // and refused at its header otherwise, with the reason ("save it C-contiguous ...").
  setStreamAboveBytes(bytes: number): void;   // stream a file whose float32 matrix needs more
  setStreamWindowBytes(bytes: number): void;  // keep the first rows that fit (default 64 MiB)
  // Reading a streamed file in two parts (two workers), after its header has been fed:
  // readRows(begin, end): from now on only samples [begin, end) are fed (the Explorer that keeps
  // the stack reads from 0). Another Explorer reads the rest (header bytes, readRows, those
  // bytes) and finishPart() hands it over (its pending file is dropped); mergePart(part) adds it
  // here before finishFile(), which checks that every sample was read exactly once.
  readRows(begin: number, end: number): void;
  finishPart(): StreamedPart;
  mergePart(part: StreamedPart): void;
  // The fit the page asks for (web/worker/requests.js): the cheaper solver for K components
  // (fit_by_cost.h) within the memory the stack leaves. fitForView(K) in one worker: the exact
  // path fits every component, the Gram path (N < D) and the top-K solver K. fitReport(): which
  // solver ran the last fit.
  planFit(nComponents: number): FitPlan;
  // From now on: 'auto' (by cost), or the solver planFit names whatever the cost (tests); 'gram'
  // only where N < D. A streamed file keeps its own.
  setFitSolver(solver: 'auto' | 'exact' | 'randomized' | 'gram'): void;
  fitForView(nComponents: number): FitReport;
  fitReport(): FitReport | null;  // null without a fitted model (none, or a basis file's)
  // The top-K solver split over two workers (web/worker/split-fit.js): rows [0, ownRows) here, a
  // copy of the rest in the helper's RowsShare. Each pass: the helper's part while this one runs
  // its own (topkOwn…), then merged (topkMerge…). Loading a new stack drops it.
  beginSplitTopK(nComponents: number, ownRows: number): Float64Array;  // the moments' shift (D)
  topkOwnMoments(): void;
  topkMergeMoments(rest: MomentsState): void;
  topkDone(): boolean;
  // For the next pass, here and in the helper; its basis in `spare` when that is a Float64Array of
  // D·width (the helper's last product), so that one buffer goes back and forth.
  topkBasis(spare: Float64Array | null): TopKPass;
  topkOwnPass(): void;
  topkMergePass(restProduct: Float64Array, restRows: number): void;
  finishSplitTopK(): FitReport;
  // The Gram path split over two workers (web/worker/split-gram.js; split_gram.h): G's columns
  // summed here (gramColumns) and in the helper's GramShare from copies of the others (gramPiece),
  // whose int32 sums come back (addGramShare); 8-bit stacks only. Then G's eigenpairs
  // (weighSplitGram) and the components' product Xcᵀ·W shared the same way: rows here
  // (componentRows) and in the helper's ComponentShare (addComponentShare). Loading a new stack
  // drops it.
  beginSplitGram(): void;
  gramColumns(begin: number, end: number): void;
  gramPiece(begin: number, end: number): Uint8Array | Int8Array;  // N×(end − begin), row-major
  addGramShare(share: GramShareSums): void;
  weighSplitGram(nComponents: number): GramWeights;  // once every column of G is in
  componentRows(begin: number, end: number): void;
  addComponentShare(begin: number, end: number, rows: Float32Array): void;  // ComponentShare.rows
  finishSplitGram(): FitReport;  // once every row of the product is in
  dropSplitGram(): void;  // a cancelled one: its G is freed now
  // A streamed file fitted in passes over the file (StreamedInfo.topk; streamed_topk.h). How a
  // streamed file is fitted, from the next beginFile: 'auto' (the covariance when it can and is
  // the cheaper, else the top-K solver), 'covariance' or 'topk' (tests). Each pass: this
  // Explorer reads its rows of the file (streamedTopKBeginPass, then the bytes of those rows from
  // dataOffset + begin * sampleBytes on, in chunks of any size), a FileGramPass elsewhere the
  // rest, whose product streamedTopKFinishPass merges (restRows 0: none) before the solver's step.
  setStreamSolver(solver: 'auto' | 'covariance' | 'topk'): void;
  beginStreamedTopK(nComponents: number): void;
  streamedTopKDone(): boolean;
  streamedTopKBasis(spare: Float64Array | null): TopKPass;  // as topkBasis
  streamedTopKBeginPass(begin: number, end: number): void;
  streamedTopKFeed(bytes: Uint8Array): void;
  streamedTopKFinishPass(restProduct: Float64Array | null, restRows: number): void;
  finishStreamedTopK(): FitReport;
  delete(): void;
}

// The helper's rows [begin, end) of one pass of a streamed top-K fit: made from the file's first
// bytes (its .npy header), fed the bytes of those rows in chunks of any size; product() once all
// are fed (Σ (x − mean)(x − mean)ᵀ·basis, D·width column-major).
export declare class FileGramPass {
  constructor(header: Uint8Array, begin: number, end: number, pass: TopKPass);
  feed(bytes: Uint8Array): void;
  product(into: Float64Array | null): Float64Array;  // in `into` when it has D·width values
  delete(): void;
}

export interface FitPlan {
  solver: 'exact' | 'randomized' | 'gram';
  exactWork: number;  // in float32 multiply-adds, each kernel's relative speed folded in
  randomizedWork: number;
  exactBytes: number;  // working memory beside the rows
  randomizedBytes: number;
  gramWork: number;  // Infinity for N ≥ D
  gramBytes: number;
}
export interface FitReport {
  solver: 'exact' | 'randomized' | 'gram';
  passes: number;  // over the rows (exact: 1; gram: 2, G then the components)
  nComponents: number;
}
// Σ(x − shift), Σ(x − shift)² over `count` rows: a part of the top-K solver's moments pass.
export interface MomentsState {
  count: number;
  shift: Float64Array;    // D
  sum: Float64Array;      // D
  squares: Float64Array;  // D
}
// The solver's state for one pass: the mean (D) and the basis Q (D×width, column-major).
export interface TopKPass {
  mean: Float64Array;
  basis: Float64Array;
  width: number;
}

// Rows at the precision the module holds them (Explorer.heldRows).
export type HeldRows = Float32Array | Uint8Array | Int8Array;

// The helper's rows of a split top-K fit (a copy, at their precision) and its part of each pass.
export declare class RowsShare {
  constructor(rows: HeldRows, dim: number, firstSample: number);
  moments(shift: Float64Array): MomentsState;
  // Σ (x − mean)(x − mean)ᵀ·basis, D×width column-major, written over pass.basis (returned)
  gram(pass: TopKPass): Float64Array;
  delete(): void;
}

// The int32 sums of G over columns [begin, end): its lower triangle row by row (N(N+1)/2), and
// those columns' sums.
export interface GramShareSums {
  begin: number;
  end: number;
  lower: Int32Array;
  columnSums: Float64Array;
}

// The helper's sums of the pieces of columns it is sent (Explorer.gramPiece), which follow each
// other from column `begin`.
export declare class GramShare {
  constructor(rows: number, begin: number);
  roomFor(columns: number): boolean;  // false: take() before adding that many more columns
  add(piece: Uint8Array | Int8Array, width: number): void;
  take(): GramShareSums;  // the sums since the last take, and begins again after them
  delete(): void;
}

// What a ComponentShare needs: W = u/√λ (N×kept, column by column) and the stack's column means
// (times scale) in float32.
export interface GramWeights {
  weights: Float32Array;
  centre: Float32Array;
  scale: number;
  kept: number;
}

// The helper's rows of the components' product Xcᵀ·W for pieces of columns (Explorer.gramPiece):
// rows(piece, width, begin) gives width×kept values, column by column, for the stack's columns
// [begin, begin + width).
export declare class ComponentShare {
  constructor(weighed: GramWeights);
  rows(piece: Uint8Array | Int8Array, width: number, begin: number): Float32Array;
  delete(): void;
}

// A partial covariance: Σ(x − shift) and Σ(x − shift)(x − shift)ᵀ over `count` rows.
export interface AccumulatorState {
  dim: number;
  count: number;
  shift: Float64Array;    // D
  sum: Float64Array;      // D
  scatter: Float64Array;  // D*D, column-major, lower triangle used
}

export declare class Accumulator {
  constructor();
  add(rows: HeldRows, dim: number): void;  // n*D values; copied into the heap (as float32) a block at a time
  state(): AccumulatorState;
  delete(): void;
}

// Stateless helpers (same core, same messages).
export declare function npyInfo(bytes: Uint8Array): NpyInfo;      // header only; height = width = 0
                                                                  // for an (N, D) file whose D is not
                                                                  // a square: beginFile needs a size
export declare function npyHeader(bytes: Uint8Array): NpyHeader | null;  // null: more bytes needed
export declare function fitJson(bytes: Uint8Array, nComponents: number): string;  // same JSON as `pcarecon fit`;
                                                                                  // any (N, D) file, square or not
// Test hook: Explorers created and not yet deleted (tests check that none leak).
export declare function liveExplorerCount(): number;
// Test hook: a real fault inside the module ('abort': Aborted(); 'trap': unreachable). The module
// is unusable afterwards; the page's worker reports it and is replaced.
export declare function debugFault(kind: 'abort' | 'trap'): never;

// Dataset-wide views (wasm/dataset_stats.h, bound in dataset_stats_js.h). Errors as elsewhere.
export interface RowDistortions {
  atK: Float64Array;   // per row: ‖x − x̂ₖ‖² with the first k components
  sums: Float64Array;  // k + 1: Σ over the rows of ‖x − x̂ⱼ‖², j = 0..k
}
// The smallest k whose cumulative ratio exceeds each share (scikit-learn's PCA(n_components=share));
// null when the ratios given do not reach it.
export declare function componentsForShares(ratio: Float64Array, shares: number[]): Array<number | null>;
// Rows [begin, end) of the loaded stack under the model's first k components.
export declare function rowDistortions(explorer: Explorer, begin: number, end: number, k: number): RowDistortions;
// The mean and the first k components (k×D, row-major): what another worker needs for rowDistortionsOf.
export declare function modelHead(explorer: Explorer, k: number): { mean: Float64Array; components: Float64Array };
export declare function rowDistortionsOf(request: { rows: HeldRows; mean: Float64Array; components: Float64Array }): RowDistortions;
// x̂ from components first..last only (1-based, inclusive).
export declare function rangeReconstruction(explorer: Explorer, sample: number, first: number, last: number): Float64Array;

// The factory's options (Emscripten's Module overrides) that the worker and the tests pass.
export interface ModuleOptions {
  wasmBinary?: ArrayBuffer;
  onAbort?: (what: unknown) => void;
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

// What the module registers (tests/node/module-surface.test.mjs checks it against this file).
export interface PcaReconModule {
  Explorer: typeof Explorer;
  Accumulator: typeof Accumulator;
  RowsShare: typeof RowsShare;
  GramShare: typeof GramShare;
  ComponentShare: typeof ComponentShare;
  FileGramPass: typeof FileGramPass;
  npyInfo: typeof npyInfo;
  npyHeader: typeof npyHeader;
  fitJson: typeof fitJson;
  liveExplorerCount: typeof liveExplorerCount;
  debugFault: typeof debugFault;
  componentsForShares: typeof componentsForShares;
  rowDistortions: typeof rowDistortions;
  modelHead: typeof modelHead;
  rowDistortionsOf: typeof rowDistortionsOf;
  rangeReconstruction: typeof rangeReconstruction;
}

export default function createPcaRecon(overrides?: ModuleOptions): Promise<PcaReconModule>;

