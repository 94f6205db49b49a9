// The engine checks (checks.js) in WebKitGTK (the engine family of Safari): MiniBrowser driven by
// WebKitWebDriver over classic WebDriver, on a private Xvfb display.
'use strict';

const { engineSuite } = require('./checks');
const webkit = require('./webkit');

engineSuite('WebKitGTK', webkit.launch);
