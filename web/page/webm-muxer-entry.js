// The WebM muxer's own bundle (vendor/webm-muxer.js, scripts/build-web.mjs): webm-muxer (npm, MIT
// licence) as a classic script that defines self.webmMuxer, loaded by webm-export.js on the first
// WebM export only, so that the page's bundle does not carry it.
import { Muxer, ArrayBufferTarget } from 'webm-muxer';

/** @type {any} */ (self).webmMuxer = { Muxer, ArrayBufferTarget };
