// The shipped module (build/wasm/pcarecon.js) under node: read + fit(0) (all components, as the
// page) of a .npy, and ml-pca on a float32 subset. One JSON object on stdout.
//   node tests/bench/node_bench.js --npy FILE [--runs R] [--mlpca FILE --mlpca-runs R] [--module PCARECON_JS]
// (--module: another build of pcarecon.js, for before/after comparisons.)
'use strict';

const fs = require('node:fs');
const path = require('node:path');

function args() {
  const out = { runs: 3, 'mlpca-runs': 1 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return out;
}

function npyFloat32(file) {
  const bytes = fs.readFileSync(file);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  if (!header.includes("'<f4'")) throw new Error(`${file}: expected <f4`);
  const shape = /'shape': \((\d+), (\d+)\)/.exec(header).slice(1, 3).map(Number);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength));
  const rows = [];
  for (let i = 0; i < shape[0]; i++) rows.push(Array.from(data.subarray(i * shape[1], (i + 1) * shape[1])));
  return rows;
}

async function main() {
  const opts = args();
  const result = {};
  const createPcaRecon = require(path.resolve(opts.module || path.join(__dirname, '..', '..', 'build', 'wasm', 'pcarecon.js')));
  const Module = await createPcaRecon();
  const bytes = fs.readFileSync(opts.npy);
  result.read_s = [];
  result.fit_s = [];
  for (let r = 0; r < Number(opts.runs); r++) {
    const ex = new Module.Explorer();
    let t = performance.now();
    ex.beginFile(0, 0);
    for (let o = 0; o < bytes.length; o += 4 << 20) ex.feed(bytes.subarray(o, o + (4 << 20)));
    ex.finishFile();
    result.read_s.push((performance.now() - t) / 1000);
    t = performance.now();
    ex.fit(0);
    result.fit_s.push((performance.now() - t) / 1000);
    ex.delete();
  }
  if (opts.mlpca) {
    const { PCA } = require('ml-pca');
    const rows = npyFloat32(opts.mlpca);
    result.mlpca_n = rows.length;
    result.mlpca_s = [];
    for (let r = 0; r < Number(opts['mlpca-runs']); r++) {
      const t = performance.now();
      new PCA(rows); // its default (SVD), as published
      result.mlpca_s.push((performance.now() - t) / 1000);
    }
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
