// What the node suites share about the shipped module: where it is, how it is started, and
// running code with an Explorer that is deleted afterwards whatever happens (embind objects
// live on the wasm heap until deleted).
'use strict';

const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const MODULE_PATH = path.join(ROOT, 'build', 'wasm', 'pcarecon.js');

// overrides: the factory's options (onAbort, printErr, ...).
function startModule(overrides) {
  return require(MODULE_PATH)(overrides);
}

function withExplorer(Module, fn) {
  const ex = new Module.Explorer();
  try {
    return fn(ex);
  } finally {
    ex.delete();
  }
}

module.exports = { ROOT, MODULE_PATH, startModule, withExplorer };
