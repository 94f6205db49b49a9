// The GIF encoder's own bundle (vendor/gifenc.js, scripts/build-web.mjs): gifenc (npm, MIT licence)
// as a classic script that defines self.gifenc, loaded by export.js on the first GIF export only,
// so that the page's bundle does not carry it.
import { GIFEncoder, quantize, applyPalette } from 'gifenc';

/** @type {any} */ (self).gifenc = { GIFEncoder, quantize, applyPalette };
