// What a dataset's fit allows of K (app.js keeps the FIT result's part of it with the dataset):
// the largest K the visitor can ask for, and the components the worker holds without a pass.

// {solver, passes, precomputed} of a FIT result, kept with the dataset.
export function fitOf(fitted) {
  return { solver: fitted.solver, passes: fitted.passes, precomputed: Boolean(fitted.precomputed) };
}

// An exact fit made here: the worker keeps its eigen-decomposition, and any K comes from it.
function extendsExactly(dataset) {
  return dataset.solver === 'exact' && !dataset.precomputed;
}

// The largest K the visitor can ask for: min(N, D) after a fit made here (a larger K than fitted
// comes from the exact fit's eigen-decomposition, or fits again by the top-K solver or the Gram
// path, without reading the file again); for a basis file or the built-in sample, the components
// they hold.
export function mostComponents(dataset) {
  const refits = dataset.solver === 'randomized' || dataset.solver === 'gram' || extendsExactly(dataset);
  if (!refits) return dataset.nComponents;
  const { info } = dataset;
  const n = info.streamed ? info.streamed.totalSamples : info.samples;
  return Math.min(n, info.height * info.width * info.channels);
}

// The components the worker can use without a pass over the rows: any, after an exact fit (from
// its eigen-decomposition); else those fitted.
export function componentsAtHand(dataset) {
  return extendsExactly(dataset) ? mostComponents(dataset) : dataset.nComponents;
}
