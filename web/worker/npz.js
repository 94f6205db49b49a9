// .npz archives (NumPy's np.savez / np.savez_compressed: a zip of .npy files) read from a Blob or
// File with random access: the member list comes from the zip's central directory at the end of
// the file, and one member's bytes are streamed in chunks (stored: Blob slices; deflated: fflate's
// streaming Inflate), so a member of any size is never held whole, let alone twice.
//
// Why the directory reading is our own (about 150 lines) while inflating is fflate's: fflate's
// streaming Unzip must be pushed the whole archive, front to back, before it has seen every
// member, so listing a 2 GB archive would read 2 GB; its unzipSync needs the archive in memory.
// The central directory (end record, Zip64 end record and locator, entries with Zip64 extra
// fields) is a few fixed-layout records read with two Blob.slice calls.
//
import { Inflate } from 'fflate';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_ZIP64_END = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const END_SIZE = 22; // the end-of-central-directory record without its comment
const MAX_COMMENT = 0xffff;
const MAX_DIRECTORY_BYTES = 64 << 20; // ~500 000 members: far beyond any .npz
const INFLATE_INPUT = 1 << 16; // compressed bytes per fflate push: bounds one output (≤ ~64 MB)

// Compression methods by number (APPNOTE 4.4.5), to name the ones we cannot read.
const METHODS = {
  0: 'stored',
  1: 'shrunk',
  6: 'imploded',
  8: 'deflate',
  9: 'deflate64',
  12: 'bzip2',
  14: 'LZMA',
  18: 'IBM TERSE',
  93: 'Zstandard',
  95: 'xz',
  96: 'JPEG',
  97: 'WavPack',
  98: 'PPMd',
  99: 'AES encryption',
};

// CRC-32 (IEEE, as zip uses), table-driven: fflate computes one internally but does not export
// it, and a table loop checks hundreds of MB per second.
const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

function crc32(bytes, crc = 0) {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function hex32(n) {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

async function readRange(blob, start, end) {
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

function u16(b, at) {
  return b[at] | (b[at + 1] << 8);
}
function u32(b, at) {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}
// Zip64 fields are 64-bit; a JS number holds them exactly up to 2^53 (8 PB).
function u64(b, at) {
  const high = u32(b, at + 4);
  if (high >= 0x200000) throw new Error('not a readable .npz archive: a Zip64 size or offset is larger than 2^53 bytes');
  return high * 0x100000000 + u32(b, at);
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

// The end-of-central-directory record: the last PK\5\6 whose comment runs exactly to the end
// of the file (a later false match inside a comment is thereby skipped).
async function findEnd(blob) {
  const size = blob.size;
  if (size === 0) throw new Error('not a .npz archive: the file is empty');
  const tailStart = Math.max(0, size - END_SIZE - MAX_COMMENT);
  const tail = await readRange(blob, tailStart, size);
  for (let i = tail.length - END_SIZE; i >= 0; i--) {
    if (u32(tail, i) === SIG_END && i + END_SIZE + u16(tail, i + 20) === tail.length) {
      return { at: tailStart + i, record: tail.subarray(i, i + END_SIZE) };
    }
  }
  const head = await readRange(blob, 0, 4);
  if (head.length === 4 && u32(head, 0) === SIG_LOCAL) {
    throw new Error(
      `the .npz archive is truncated: it starts like a zip archive but its end (the central directory) is missing (${plural(size, 'byte', 'bytes')} read)`,
    );
  }
  throw new Error('not a .npz archive: no zip directory found (a .npz is a zip of .npy files, as numpy.savez writes)');
}

// {count, size, offset} of the central directory, from the Zip64 end record when there is one.
async function directoryLocation(blob, end) {
  const r = end.record;
  let location = { count: u16(r, 10), size: u32(r, 12), offset: u32(r, 16) };
  if (end.at >= 20) {
    const locator = await readRange(blob, end.at - 20, end.at);
    if (u32(locator, 0) === SIG_ZIP64_LOCATOR) {
      const at = u64(locator, 8);
      const record = at + 56 <= end.at ? await readRange(blob, at, at + 56) : new Uint8Array(0);
      if (record.length < 56 || u32(record, 0) !== SIG_ZIP64_END) {
        throw new Error(`the .npz archive is corrupt: its Zip64 end record is missing at offset ${at}`);
      }
      location = { count: u64(record, 32), size: u64(record, 40), offset: u64(record, 48) };
    }
  }
  if (location.offset + location.size > end.at) {
    throw new Error(
      `the .npz archive is truncated or corrupt: its directory (${location.size} bytes at offset ${location.offset}) runs past the directory's end record at offset ${end.at}`,
    );
  }
  if (location.size > MAX_DIRECTORY_BYTES) {
    throw new Error(`the .npz archive's directory is ${location.size} bytes long, more than the ${MAX_DIRECTORY_BYTES} a .npz could need`);
  }
  return location;
}

function decodeName(bytes) {
  // Zip names are UTF-8 (flag 11) or CP437; NumPy writes ASCII names, the same in both.
  return new TextDecoder('utf-8').decode(bytes);
}

// Lists the members of a zip archive: [{name, key, npy, method, methodName, encrypted,
// compressedSize, size, crc32, localHeaderOffset}] in directory order. key: the name np.load
// gives it (without ".npy"); npy: whether the name ends in .npy. Throws an Error naming the
// problem for a file that is not a zip, or a truncated or corrupt one.
async function listMembers(blob) {
  const end = await findEnd(blob);
  const where = await directoryLocation(blob, end);
  const dir = await readRange(blob, where.offset, where.offset + where.size);
  const members = [];
  let p = 0;
  for (let index = 0; index < where.count; index++) {
    if (p + 46 > dir.length || u32(dir, p) !== SIG_CENTRAL) {
      throw new Error(`the .npz archive is corrupt: directory entry ${index} of ${where.count} is missing or damaged`);
    }
    const flags = u16(dir, p + 8);
    const method = u16(dir, p + 10);
    const nameLength = u16(dir, p + 28);
    const extraLength = u16(dir, p + 30);
    const commentLength = u16(dir, p + 32);
    if (p + 46 + nameLength + extraLength + commentLength > dir.length) {
      throw new Error(`the .npz archive is corrupt: directory entry ${index} runs past the directory`);
    }
    const name = decodeName(dir.subarray(p + 46, p + 46 + nameLength));
    let compressedSize = u32(dir, p + 20);
    let size = u32(dir, p + 24);
    let localHeaderOffset = u32(dir, p + 42);
    // Zip64 extra field (id 1): the 64-bit values of exactly those fields whose 32-bit value is
    // 0xFFFFFFFF, in the order size, compressed size, offset.
    const extra = dir.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
    for (let q = 0; q + 4 <= extra.length;) {
      const id = u16(extra, q);
      const length = u16(extra, q + 2);
      if (id === 0x0001) {
        let f = q + 4;
        const take = () => {
          if (f + 8 > q + 4 + length) throw new Error(`the .npz archive is corrupt: the Zip64 field of ${name} is too short`);
          const value = u64(extra, f);
          f += 8;
          return value;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      q += 4 + length;
    }
    members.push({
      name,
      key: name.endsWith('.npy') ? name.slice(0, -4) : name,
      npy: name.endsWith('.npy'),
      method,
      methodName: METHODS[method] || `method ${method}`,
      encrypted: (flags & 1) !== 0,
      compressedSize,
      size,
      crc32: u32(dir, p + 16),
      localHeaderOffset,
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return members;
}

// Throws unless the member can be read (not encrypted, stored or deflated).
function checkReadable(member) {
  if (member.encrypted || member.method === 99) {
    throw new Error(`${member.name} in the .npz archive is encrypted; save the arrays again without a password (numpy.savez)`);
  }
  if (member.method !== 0 && member.method !== 8) {
    throw new Error(
      `${member.name} in the .npz archive is compressed with ${member.methodName}, which this page cannot read; ` +
        'save it with numpy.savez or numpy.savez_compressed (stored or deflate)',
    );
  }
  // Sizes that cannot be true are refused before anything is sized from them: stored data is
  // its own size, and deflate expands at most 1032-fold.
  if (member.method === 0 ? member.size !== member.compressedSize : member.size > member.compressedSize * 1032 + 1024) {
    throw new Error(
      `${member.name} in the .npz archive is corrupt: ${member.compressedSize} ${member.methodName} bytes cannot hold the ${member.size} bytes its directory entry says`,
    );
  }
}

// Where the member's data starts: after its local header, whose name and extra field (NumPy
// writes a Zip64 extra there) may differ in length from the directory's.
async function dataOffset(blob, member) {
  const header = await readRange(blob, member.localHeaderOffset, member.localHeaderOffset + 30);
  if (header.length < 30) {
    throw new Error(
      `the .npz archive is truncated: ${member.name} starts at offset ${member.localHeaderOffset}, past the end of the file (${blob.size} bytes)`,
    );
  }
  if (u32(header, 0) !== SIG_LOCAL) {
    throw new Error(`the .npz archive is corrupt: no header for ${member.name} at offset ${member.localHeaderOffset}`);
  }
  const start = member.localHeaderOffset + 30 + u16(header, 26) + u16(header, 28);
  if (start + member.compressedSize > blob.size) {
    throw new Error(
      `the .npz archive is truncated: ${member.name} needs bytes ${start} to ${start + member.compressedSize}, the file has ${blob.size}`,
    );
  }
  return start;
}

// Streams the member's uncompressed bytes to onChunk(Uint8Array) (which may be async and may
// throw, e.g. to cancel; returning false stops early, without the final checks). Reads
// `chunkBytes` of the archive at a time. At the end checks the size and CRC-32 the directory
// gives. Resolves with the number of bytes delivered.
async function streamMember(blob, member, onChunk, { chunkBytes = 4 << 20 } = {}) {
  checkReadable(member);
  const start = await dataOffset(blob, member);
  const end = start + member.compressedSize;
  const chunk = Math.max(1 << 16, chunkBytes | 0);
  let crc = 0;
  let delivered = 0;
  const deliver = async (bytes) => {
    if (delivered + bytes.length > member.size) {
      throw new Error(
        `${member.name} in the .npz archive is corrupt: it holds more than the ${member.size} bytes its directory entry says`,
      );
    }
    crc = crc32(bytes, crc);
    delivered += bytes.length;
    return (await onChunk(bytes)) !== false;
  };

  if (member.method === 0) {
    for (let offset = start; offset < end; offset += chunk) {
      const bytes = await readRange(blob, offset, Math.min(end, offset + chunk));
      if (!(await deliver(bytes))) return delivered;
    }
  } else {
    const outputs = [];
    const inflater = new Inflate((data) => {
      if (data.length) outputs.push(data);
    });
    const push = (bytes, final) => {
      try {
        inflater.push(bytes, final);
      } catch (error) {
        throw new Error(
          `${member.name} in the .npz archive is corrupt: its compressed data cannot be inflated (${error && error.message})`,
          {
            cause: error,
          },
        );
      }
    };
    if (start === end) push(new Uint8Array(0), true);
    for (let offset = start; offset < end; offset += chunk) {
      const bytes = await readRange(blob, offset, Math.min(end, offset + chunk));
      for (let at = 0; at < bytes.length; at += INFLATE_INPUT) {
        push(bytes.subarray(at, at + INFLATE_INPUT), offset + at + INFLATE_INPUT >= end);
        while (outputs.length) if (!(await deliver(outputs.shift()))) return delivered;
      }
    }
  }
  if (delivered !== member.size) {
    throw new Error(`${member.name} in the .npz archive is corrupt: it holds ${delivered} bytes, its directory entry says ${member.size}`);
  }
  if (crc !== member.crc32) {
    throw new Error(`${member.name} in the .npz archive is corrupt: its CRC-32 is ${hex32(crc)}, the archive says ${hex32(member.crc32)}`);
  }
  return delivered;
}

// The first `count` bytes of the member (fewer when it is shorter), e.g. its .npy header.
async function readMemberHead(blob, member, count) {
  const parts = [];
  let have = 0;
  await streamMember(
    blob,
    member,
    (bytes) => {
      parts.push(bytes.subarray(0, count - have));
      have += Math.min(bytes.length, count - have);
      return have < count;
    },
    { chunkBytes: Math.max(1 << 16, Math.min(count, 1 << 20)) },
  );
  const out = new Uint8Array(have);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// The whole member in one array (for small arrays such as a basis' mean).
async function readMember(blob, member) {
  checkReadable(member);
  const out = new Uint8Array(member.size);
  let at = 0;
  await streamMember(blob, member, (bytes) => {
    out.set(bytes, at);
    at += bytes.length;
  });
  return out;
}

// True when the bytes start like a zip archive ("PK\3\4", or "PK\5\6" for an empty one).
function looksLikeZip(bytes) {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6))
  );
}

export { listMembers, streamMember, readMemberHead, readMember, looksLikeZip, crc32, METHODS };
