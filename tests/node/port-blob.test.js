// web/port-blob.js: a file the page reads for a worker, through a port (WebKit from file://, where
// a worker cannot read a Blob). A PortBlob over a real MessageChannel, served from a Blob as
// worker-client.js serves it, reads like that Blob: Blob.slice's rules, the same bytes.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const { test } = require('node:test');
const { PortBlob, createReader, sourceFrom, sourceToMessage } = require(path.join(__dirname, '..', '..', 'web', 'port-blob.js'));

// The page's side: reads of `blob` through a MessageChannel, bytes transferred.
function servedPort(blob, reads) {
  const channel = new MessageChannel();
  channel.port1.onmessage = async ({ data: { read, token, start, end } }) => {
    reads.push([token, start, end]);
    const buffer = await blob.slice(start, end).arrayBuffer();
    channel.port1.postMessage({ read, buffer }, [buffer]);
  };
  return channel;
}

test('a PortBlob reads like the Blob it stands for (slice rules, bytes), through the port', async () => {
  const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256);
  const blob = new Blob([bytes]);
  const reads = [];
  const channel = servedPort(blob, reads);
  try {
    const remote = sourceFrom({ portBlob: { token: 3, start: 0, size: blob.size } }, createReader(channel.port2));
    assert.ok(remote instanceof PortBlob);
    assert.equal(remote.size, 1000);
    for (const [a, b] of [[0, 1000], [10, 20], [-30, -5], [990, 2000], [500, 100], [-2000, 3], [0, undefined]]) {
      const want = new Uint8Array(await blob.slice(a, b).arrayBuffer());
      const sub = remote.slice(a, b);
      assert.equal(sub.size, want.length, `size of slice(${a}, ${b})`);
      assert.deepEqual(new Uint8Array(await sub.arrayBuffer()), want, `bytes of slice(${a}, ${b})`);
      assert.deepEqual(new Uint8Array(await sub.slice(1, 4).arrayBuffer()), want.slice(1, 4), `a slice of slice(${a}, ${b})`);
    }
    assert.ok(reads.length > 0 && reads.every(([token]) => token === 3), 'the bytes came through the port');
    // Handed to the other worker: the same bytes, as a descriptor.
    assert.deepEqual(sourceToMessage(remote.slice(10, 20)), { portBlob: { token: 3, start: 10, size: 10 } });
    assert.equal(sourceToMessage(blob), blob, 'a Blob goes as it is');
    assert.equal(sourceFrom(blob, null), blob);
    assert.throws(() => sourceFrom({ portBlob: { token: 1, start: 0, size: 1 } }, null), /gave it no port to read through/);
  } finally {
    channel.port1.close();
    channel.port2.close();
  }
});
