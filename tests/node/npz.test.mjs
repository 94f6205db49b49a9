// web/worker/npz.js on archives written by NumPy (np.savez, np.savez_compressed) and Python's zipfile
// (tests/fixtures/npz_cases.py): the member list and every member's bytes as zipfile reads them
// (stored and deflated, Zip64 local headers as NumPy writes them, a Zip64 central directory),
// clear errors for bad archives, a basis file through the shipped module with no fit, and a
// seeded mutation fuzz of NumPy-written archives through npz.js and the module, as the page's
// worker loads them (every outcome a result or an Error with a message, never a hang).

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

import shared from './module.js';
import * as Npz from '../../web/worker/npz.js';
import * as ArchiveLoader from '../../web/worker/archive-loader.js';

let M;
let DIR;
let MANIFEST;

const file = (name) => path.join(DIR, name);
const blobOf = (name) => new Blob([fs.readFileSync(file(name))]);

before(async () => {
  M = await shared.startModule();
  DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'pcarecon-npz-'));
  execFileSync('/usr/bin/python3', [path.join(shared.ROOT, 'tests', 'fixtures', 'npz_cases.py'), DIR], { stdio: 'ignore' });
  MANIFEST = JSON.parse(fs.readFileSync(file('manifest.json'), 'utf8'));
});

after(() => {
  if (DIR) fs.rmSync(DIR, { recursive: true, force: true });
});

async function sha256OfMember(blob, member, chunkBytes) {
  const hash = crypto.createHash('sha256');
  let chunks = 0;
  await Npz.streamMember(
    blob,
    member,
    (bytes) => {
      hash.update(bytes);
      chunks += 1;
    },
    { chunkBytes },
  );
  return { sha256: hash.digest('hex'), chunks };
}

// Reads an .npy image stack as float64 rows from a NumPy file (C order, '<f8' or '<f4').
function npyRows(name) {
  const bytes = fs.readFileSync(file(name));
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const data = bytes.subarray(10 + headerLength);
  const shape = header
    .match(/'shape': \(([^)]*)\)/)[1]
    .split(',')
    .filter((x) => x.trim())
    .map(Number);
  const f8 = header.includes("'<f8'");
  const n = f8 ? data.length / 8 : data.length / 4;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = f8 ? data.readDoubleLE(8 * i) : data.readFloatLE(4 * i);
  return { shape, values };
}

describe('npz.js on archives NumPy wrote', () => {
  test("members and their bytes are what Python's zipfile reads (stored, deflated, Zip64)", async () => {
    const good = Object.entries(MANIFEST.archives).filter(([, c]) => c.error === null);
    assert.ok(good.length >= 12, 'the fixture set');
    for (const [name, expected] of good) {
      const blob = blobOf(name);
      const members = await Npz.listMembers(blob);
      assert.deepEqual(
        members.map((m) => [m.name, m.size, m.compressedSize, m.method, m.crc32]),
        expected.members.map((m) => [m.name, m.size, m.compress_size, m.compress_type, m.crc]),
        name,
      );
      for (const [i, member] of members.entries()) {
        assert.equal(member.key, member.name.replace(/\.npy$/, ''));
        for (const chunkBytes of [1 << 16, 4 << 20]) {
          const { sha256, chunks } = await sha256OfMember(blob, member, chunkBytes);
          assert.equal(sha256, expected.members[i].sha256, `${name}: ${member.name}, chunks of ${chunkBytes}`);
          if (member.size > 4 << 20) assert.ok(chunks > 1);
        }
      }
    }
    // NumPy's savez writes Zip64 extra fields in its local headers (force_zip64=True): the data
    // starts after them, 20 bytes later than the directory's extra field says.
    const raw = fs.readFileSync(file('savez.npz'));
    assert.equal(raw.readUInt16LE(28), 20, 'a Zip64 extra field in the local header, as NumPy writes it');
    // The big members arrive in several chunks, stored and deflated alike.
    for (const name of ['big.npz', 'big_compressed.npz']) {
      const [member] = await Npz.listMembers(blobOf(name));
      assert.ok((await sha256OfMember(blobOf(name), member, 1 << 16)).chunks > 4, name);
    }
  });

  test('the Zip64 central directory (extra fields, end record and locator) is read', async () => {
    const raw = fs.readFileSync(file('zip64_central.npz'));
    assert.ok(raw.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])), 'a Zip64 end record');
    assert.ok(raw.includes(Buffer.from([0x50, 0x4b, 0x06, 0x07])), 'a Zip64 locator');
    const members = await Npz.listMembers(new Blob([raw]));
    assert.deepEqual(
      members.map((m) => m.name),
      ['images.npy', 'labels.npy'],
    );
    assert.ok(members.every((m) => m.localHeaderOffset !== 0xffffffff && m.size !== 0xffffffff));
  });

  test('the first bytes of a member hold its .npy header, read without the rest', async () => {
    for (const name of ['multi.npz', 'multi_compressed.npz', 'big_compressed.npz']) {
      const blob = blobOf(name);
      for (const member of await Npz.listMembers(blob)) {
        const head = await Npz.readMemberHead(blob, member, 256);
        assert.equal(head.length, Math.min(256, member.size));
        const header = M.npyHeader(head);
        assert.ok(header, `${name}: ${member.name}`);
        assert.equal(head[0], 0x93);
      }
    }
    const blob = blobOf('multi.npz');
    const [train, test, labels] = await Npz.listMembers(blob);
    const describe = async (m) => M.npyHeader(await Npz.readMemberHead(blob, m, 4096));
    assert.deepEqual((await describe(train)).shape, [40, 9, 7]);
    assert.equal((await describe(test)).dtype, '|u1');
    const labelHeader = await describe(labels);
    assert.deepEqual(labelHeader.shape, [40]);
    assert.equal(labelHeader.height, 0);
    assert.match(labelHeader.imageError, /not an image stack: got a 1-D array of shape \(40,\)/);
    assert.equal(M.npyHeader(new Uint8Array([0x93, 0x4e, 0x55])), null, 'more bytes needed');
  });

  test('bad archives are refused with what is wrong', async () => {
    const bad = Object.entries(MANIFEST.archives).filter(([, c]) => c.error !== null);
    const expected = {
      'truncated.npz':
        /^the \.npz archive is truncated: it starts like a zip archive but its end \(the central directory\) is missing \(5173 bytes read\)$/,
      'truncated_tail.npz': /^the \.npz archive is truncated/,
      'not_zip.npz': /^not a \.npz archive: no zip directory found/,
      'bad_crc.npz': /^images\.npy in the \.npz archive is corrupt: its CRC-32 is 0x[0-9a-f]{8}, the archive says 0x4f0fabfe$/,
      'bzip2.npz': /^images\.npy in the \.npz archive is compressed with bzip2, which this page cannot read; save it with numpy\.savez/,
      'lzma.npz': /compressed with LZMA, which this page cannot read/,
      'encrypted.npz': /^images\.npy in the \.npz archive is encrypted; save the arrays again without a password/,
      'bad_deflate.npz': /^images\.npy in the \.npz archive is corrupt: (its compressed data cannot be inflated|its CRC-32|it holds)/,
    };
    for (const [name] of bad) {
      if (name === 'no_npy.npz') continue; // a valid zip: the worker refuses it (no .npy arrays)
      const blob = blobOf(name);
      let message = null;
      try {
        for (const member of await Npz.listMembers(blob)) await Npz.streamMember(blob, member, () => {});
      } catch (error) {
        assert.ok(error instanceof Error, `${name}: an Error`);
        message = error.message;
      }
      assert.ok(message, `${name} must be refused`);
      assert.match(message, expected[name], `${name}: ${message}`);
    }
    await assert.rejects(Npz.listMembers(new Blob([])), { message: 'not a .npz archive: the file is empty' });
  });

  test("crc32 is zip's CRC-32", () => {
    assert.equal(Npz.crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(Npz.crc32(new Uint8Array(0)), 0);
  });
});

// The worker's own archive loading (web/worker/archive-loader.js) with the module: resolves with
// {info} or {choose} (several stacks of images), or rejects with an Error.
function loadArchive(ex, blob, options = {}) {
  return ArchiveLoader.load(blob, ex, { npyHeader: (bytes) => M.npyHeader(bytes), chunkBytes: 1 << 16, ...options });
}

describe("the worker's archive loader", () => {
  test('several stacks ask for a choice and load nothing; the one named then loads; a missing name is refused', async () => {
    const ex = new M.Explorer();
    try {
      await loadArchive(ex, blobOf('savez.npz'));
      assert.equal(ex.info().samples, 40);
      const { choose } = await loadArchive(ex, blobOf('multi_compressed.npz'));
      assert.equal(choose.basis, false);
      assert.deepEqual(
        choose.members.map(({ name, image }) => [name, image]),
        [
          ['train', true],
          ['test', true],
          ['labels', false],
        ],
      );
      assert.match(choose.members[2].note, /not an image stack|shape/);
      assert.equal(ex.info().samples, 40, 'nothing loaded before the choice');
      const { info } = await loadArchive(ex, blobOf('multi_compressed.npz'), { member: 'test' });
      assert.equal(info.archive.member, 'test');
      assert.deepEqual([info.samples, info.height, info.width], [30, 6, 6]);
      await assert.rejects(loadArchive(ex, blobOf('multi_compressed.npz'), { member: 'nope' }), {
        message: "the .npz archive has no array named 'nope' (it holds train.npy, test.npy, labels.npy)",
      });
      assert.equal(ex.info().samples, 30, 'the loaded stack stays');
      const basis = await loadArchive(ex, blobOf('basis_images_choice.npz'));
      assert.equal(basis.choose.basis, true);
      // The basis arrays are never offered as images, even when their shape would allow it.
      assert.deepEqual(
        basis.choose.members.map((m) => m.name),
        ['components', 'mean', 'first', 'second'],
      );
    } finally {
      ex.delete();
    }
  });

  test("progress counts the member's bytes; a cancel between chunks keeps the loaded stack", async () => {
    const ex = new M.Explorer();
    try {
      await loadArchive(ex, blobOf('savez.npz'));
      const before = ex.info().samples;
      const seen = [];
      await assert.rejects(
        loadArchive(ex, blobOf('big_compressed.npz'), {
          chunkBytes: 1 << 16,
          progress: (done, total) => seen.push([done, total]),
          cancelled: () => seen.length > 2,
        }),
        (error) => error.code === 'cancelled' && error.message === 'cancelled',
      );
      assert.ok(seen.length > 2 && seen.every(([done, total]) => done <= total && total > 1 << 20), JSON.stringify(seen.slice(0, 4)));
      assert.equal(ex.info().samples, before);
      const { info } = await loadArchive(ex, blobOf('big_compressed.npz'), { progress: (done, total) => seen.push([done, total]) });
      assert.equal(info.samples, 300);
      assert.deepEqual(seen.at(-1), [seen.at(-1)[1], seen.at(-1)[1]], 'the last progress is the whole member');
    } finally {
      ex.delete();
    }
  });
});

describe('a basis file through the module', () => {
  test('IncrementalPCA and PCA bases reconstruct as scikit-learn, with no fit', async () => {
    for (const name of ['basis_ipca.npz', 'basis_pca.npz']) {
      const expected = MANIFEST.basis[name];
      const ex = new M.Explorer();
      try {
        const { info } = await loadArchive(ex, blobOf(name));
        assert.deepEqual(info.basis, {
          nComponents: expected.k,
          source: 'file',
          explainedVariance: !expected.estimated,
          explainedVarianceRatio: false,
        });
        assert.equal(ex.fitCount(), 0);
        // FIT in the worker asks basisInfo() first: a basis is never refitted.
        assert.equal(ex.basisInfo().nComponents, expected.k);
        const reference = npyRows(`recon_${name.replace('.npz', '.npy')}`);
        const range = info.valueMax - info.valueMin;
        let worst = 0;
        for (let i = 0; i < expected.n; i++) {
          const mine = ex.reconstruction(i, expected.k);
          for (let j = 0; j < expected.d; j++) worst = Math.max(worst, Math.abs(mine[j] - reference.values[i * expected.d + j]));
        }
        assert.ok(worst <= 1e-4 * range, `${name}: reconstruction differs from scikit-learn by ${worst}`);
        assert.equal(
          JSON.parse(ex.figureJson({ sampleIndex: 2, nComponents: 0, step: 1, frameDurationMs: 100 })).frames.length,
          expected.k + 1,
        );
        assert.equal(ex.fitCount(), 0);
      } finally {
        ex.delete();
      }
    }
  });

  test('a basis of the wrong size is refused and the loaded stack stays', async () => {
    const ex = new M.Explorer();
    try {
      await loadArchive(ex, blobOf('savez.npz'));
      ex.fit(0);
      await assert.rejects(loadArchive(ex, blobOf('basis_wrong_d.npz')), {
        message: 'the basis does not fit these images: its components have 64 values each (shape (4, 64)), the images have 9×7 = 63 pixels',
      });
      assert.equal(ex.info().samples, 40);
      assert.equal(ex.model().nComponents, 40);
      assert.equal(ex.basisInfo(), null);
      assert.equal(ex.fitCount(), 1);
    } finally {
      ex.delete();
    }
  });
});

describe('fuzzing', () => {
  test('mutated NumPy-written archives give a result or an Error, never a hang or a crash', async () => {
    const seeds = ['savez.npz', 'savez_compressed.npz', 'zip64_central.npz', 'basis_ipca.npz', 'basis_pca.npz', 'multi_compressed.npz'].map(
      (name) => fs.readFileSync(file(name)),
    );
    const budgetMs = Number(process.env.PCARECON_NPZ_FUZZ_MS || 4000);
    let state = 0x9e3779b9; // xorshift32, seeded: the same inputs every run
    const random = (n) => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    const mutate = (seed) => {
      const bytes = Buffer.from(seed);
      const kind = random(5);
      const at = random(bytes.length);
      if (kind === 0) {
        for (let i = 0, n = 1 + random(8); i < n; i++) bytes[random(bytes.length)] ^= 1 << random(8);
        return bytes;
      }
      if (kind === 1) return bytes.subarray(0, at); // truncated
      if (kind === 2) {
        // A 16- or 32-bit field set to an extreme: sizes, offsets, counts, lengths.
        const value = [0, 0xffffffff, 0x7fffffff, random(1 << 30)][random(4)];
        if (at + 4 <= bytes.length) bytes.writeUInt32LE(value >>> 0, at);
        return bytes;
      }
      if (kind === 3) {
        // The directory or the end records, where a flip changes the structure.
        const from = Math.max(0, bytes.length - 200);
        for (let i = 0, n = 1 + random(4); i < n; i++) bytes[from + random(bytes.length - from)] = random(256);
        return bytes;
      }
      return Buffer.concat([bytes.subarray(0, at), crypto.randomBytes(0), Buffer.from([random(256), random(256)]), bytes.subarray(at)]);
    };
    const live = M.liveExplorerCount();
    const started = Date.now();
    const outcomes = { loaded: 0, choose: 0, refused: 0 };
    const messages = new Set();
    while (Date.now() - started < budgetMs) {
      const input = mutate(seeds[random(seeds.length)]);
      const ex = new M.Explorer();
      let timer;
      try {
        const hang = new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('HANG')), 10000);
        });
        const result = await Promise.race([loadArchive(ex, new Blob([input])), hang]);
        if (result.choose) {
          // Several stacks: nothing loaded yet; the page then loads the one chosen.
          assert.ok(result.choose.members.filter((m) => m.image).length > 1, 'a choice between several stacks');
          await Promise.race([loadArchive(ex, new Blob([input]), { member: result.choose.members.find((m) => m.image).name }), hang]);
          outcomes.choose += 1;
        }
        outcomes.loaded += 1;
      } catch (error) {
        assert.ok(error instanceof Error, `a non-Error was thrown: ${error}`);
        assert.notEqual(error.message, 'HANG', `an input hung: ${input.toString('base64')}`);
        assert.ok(!(error instanceof WebAssembly.RuntimeError), `the module trapped: ${error.message}`);
        assert.ok(error.message.length > 0, 'an Error with a message');
        outcomes.refused += 1;
        messages.add(error.message.replace(/\d+/g, '#').slice(0, 60));
      } finally {
        clearTimeout(timer);
        ex.delete();
      }
    }
    assert.equal(M.liveExplorerCount(), live, 'no Explorer leaked');
    assert.ok(outcomes.loaded > 10 && outcomes.refused > 10, JSON.stringify(outcomes));
    console.log(
      `npz fuzz: ${outcomes.loaded + outcomes.refused} inputs in ${budgetMs} ms, ${outcomes.loaded} loaded ` +
        `(${outcomes.choose} after a choice), ${outcomes.refused} refused with ${messages.size} kinds of message`,
    );
  });
});
