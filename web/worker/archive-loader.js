// Loading a .npz archive into an Explorer: the arrays are listed from the archive's directory and
// each member's .npy header (its first bytes only, npz.js); the one stack of images chosen is
// streamed into the Explorer chunk by chunk. An archive holding `components` and `mean` is a basis
// file: its images are reconstructed from that basis instead of a fit. With several stacks of
// images and no `member` named, nothing is loaded and the caller is asked to choose.
// The node tests and the .npz fuzzing import this same module.
import * as Npz from './npz.js';
import { cancelledError, errorMessage } from '../shared/protocol.js';

const BASIS_ARRAYS = ['components', 'mean', 'explained_variance', 'explained_variance_ratio'];
const NPY_HEAD_BYTES = 4096; // a NumPy header is 128 bytes or a little more; grown when needed
const NPY_MAX_HEAD_BYTES = 1 << 20; // the reader's own limit on a header

// [{name, shape, dtype, image, note, npy, entry, unreadable?}] for the archive's members, in
// its order. npyHeader: the module's (bytes -> header | null while incomplete).
async function describeMembers(source, entries, npyHeader, isFatal) {
  const out = [];
  for (const entry of entries) {
    const item = { name: entry.key, shape: null, dtype: null, image: false, note: null, npy: entry.npy, entry };
    out.push(item);
    if (!entry.npy) {
      item.note = 'not a .npy file';
      continue;
    }
    try {
      let header = null;
      for (let want = NPY_HEAD_BYTES; !header; want *= 16) {
        const head = await Npz.readMemberHead(source, entry, Math.min(want, NPY_MAX_HEAD_BYTES));
        header = npyHeader(head);
        if (!header && (head.length < want || want >= NPY_MAX_HEAD_BYTES)) {
          throw new Error('its .npy header is incomplete');
        }
      }
      Object.assign(item, { shape: header.shape, dtype: header.dtype });
      item.image = !header.imageError;
      if (header.imageError) item.note = header.imageError;
    } catch (error) {
      if (isFatal(error)) throw error;
      item.note = errorMessage(error);
      item.unreadable = true;
    }
  }
  return out;
}

function memberList(items) {
  return items.map(({ name, shape, dtype, image, note }) => ({ name, shape, dtype, image, note }));
}

// The item to load: the one named `member`, else the only stack of images; null when the
// caller must choose; an Error naming what is missing otherwise.
function chooseMember(items, byName, member, basis) {
  const names = items.map((item) => item.entry.name).join(', ') || 'none';
  if (!items.some((item) => item.npy)) {
    throw new Error(`the .npz archive holds no .npy arrays (its members: ${names}); save the images with numpy.savez`);
  }
  if (member !== undefined && member !== null) {
    const chosen = byName.get(String(member));
    if (!chosen) throw new Error(`the .npz archive has no array named '${member}' (it holds ${names})`);
    if (!chosen.npy) throw new Error(`${chosen.entry.name} in the .npz archive is not a .npy array`);
    return chosen;
  }
  const candidates = items.filter((item) => item.image && !(basis && BASIS_ARRAYS.includes(item.name)));
  if (candidates.length === 1) return candidates[0];
  if (candidates.length > 1) return null;
  const unreadable = items.find((item) => item.unreadable);
  if (unreadable) throw new Error(unreadable.note); // e.g. encrypted, or bzip2
  if (basis) {
    throw new Error(
      `the basis file holds no images to reconstruct (its arrays: ${names}); add them to the archive, e.g. images=X[:1000].reshape(-1, H, W)`,
    );
  }
  const why = items.map((item) => `${item.name}: ${item.note || 'not an image stack'}`).join('; ');
  throw new Error(`the .npz archive holds no stack of images (${why})`);
}

// Loads `source` (a Blob holding a .npz) into `explorer`. Resolves to {info} (info.archive
// names the members and the one loaded) or {choose: {members, basis}}. On error the explorer
// keeps what it held. Options:
//   npyHeader(bytes)          the module's header reader
//   member                    the array to load (else the only stack of images)
//   imageHint [h, w]          the H×W of an (N, D) array ([0, 0]: infer a square)
//   chunkBytes                compressed or stored bytes per read
//   progress(done, total)     bytes of the member fed so far
//   cancelled()               true to stop between two chunks (rejects with cancelledError())
//   isFatal(error)            true for a fault of the module: passed on, never explained away
async function load(source, explorer, options) {
  const {
    npyHeader,
    member = null,
    imageHint = [0, 0],
    chunkBytes,
    progress = () => {},
    cancelled = () => false,
    isFatal = (error) => typeof WebAssembly === 'object' && error instanceof WebAssembly.RuntimeError,
  } = options;
  const items = await describeMembers(source, await Npz.listMembers(source), npyHeader, isFatal);
  const byName = new Map(items.map((item) => [item.name, item]));
  const basis = byName.has('components') && byName.has('mean');
  const chosen = chooseMember(items, byName, member, basis);
  if (!chosen) return { choose: { members: memberList(items), basis } };

  const total = chosen.entry.size;
  explorer.beginFile(imageHint[0], imageHint[1]);
  try {
    explorer.expectFileSize(total); // a header that does not fit the member is refused before any allocation
    let done = 0;
    progress(0, total);
    await Npz.streamMember(
      source,
      chosen.entry,
      (bytes) => {
        if (cancelled()) throw cancelledError();
        explorer.feed(bytes);
        done += bytes.length;
        progress(done, total);
      },
      { chunkBytes },
    );
    if (cancelled()) throw cancelledError();
    let info;
    if (basis) {
      for (const name of BASIS_ARRAYS) {
        if (byName.has(name)) explorer.setBasisArray(name, await Npz.readMember(source, byName.get(name).entry));
      }
      info = explorer.finishFileWithBasis();
    } else {
      info = explorer.finishFile();
    }
    info.archive = { members: memberList(items), member: chosen.name };
    return { info };
  } catch (error) {
    if (!isFatal(error)) {
      try {
        explorer.cancelFile();
      } catch (_) {
        /* nothing pending */
      }
    }
    throw error;
  }
}

export { load, BASIS_ARRAYS };
