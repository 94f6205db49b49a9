// The engine checks (checks.js) in Firefox ESR, through puppeteer-core over WebDriver BiDi.
'use strict';

const { engineSuite } = require('./checks');
const firefox = require('./firefox');

engineSuite('Firefox ESR', firefox.launch);
