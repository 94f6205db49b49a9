// The WebKitGTK adapter of the engine checks (checks.js): selenium-webdriver over classic WebDriver
// to WebKitWebDriver, which drives MiniBrowser --automation on a private Xvfb display. Classic
// WebDriver cannot intercept requests, so the page's CSP violations are listened for (from the
// moment the page has loaded) and the document's Resource Timing entries are checked instead.
'use strict';

const { spawn } = require('node:child_process');
const net = require('node:net');
const { Builder, By } = require('selenium-webdriver');
const { cspListener } = require('../e2e/page-probes');

const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

// Starts Xvfb on a free display (-displayfd: the server picks it and writes it back).
function startXvfb() {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1400x1000x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let text = '';
    xvfb.on('error', reject);
    xvfb.on('exit', (code) => reject(new Error(`Xvfb exited (${code}) before giving its display`)));
    xvfb.stdio[3].on('data', (data) => {
      text += data;
      if (text.includes('\n')) resolve({ display: `:${text.trim()}`, stop: () => xvfb.kill() });
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Starts WebKitWebDriver on a free port and resolves once it accepts connections.
async function startDriver(display) {
  const port = await freePort();
  const driver = spawn('WebKitWebDriver', [`--port=${port}`, '--host=127.0.0.1'], {
    env: { ...process.env, DISPLAY: display },
    stdio: 'ignore',
  });
  const exited = new Promise((_, reject) => driver.on('exit', (code) => reject(new Error(`WebKitWebDriver exited (${code})`))));
  exited.catch(() => {});
  const listening = (async () => {
    for (;;) {
      const up = await new Promise((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.end(() => resolve(true)));
        socket.on('error', () => resolve(false));
      });
      if (up) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  await Promise.race([listening, exited]);
  return { url: `http://127.0.0.1:${port}`, stop: () => driver.kill() };
}

async function launch() {
  const xvfb = await startXvfb();
  const server = await startDriver(xvfb.display).catch((error) => {
    xvfb.stop();
    throw error;
  });
  const capabilities = {
    browserName: 'MiniBrowser',
    'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
  };
  let driver;
  try {
    driver = await new Builder().usingServer(server.url).withCapabilities(capabilities).build();
    await driver.manage().window().setRect({ width: 1300, height: 950 });
  } catch (error) {
    server.stop();
    xvfb.stop();
    throw error;
  }
  const caps = await driver.getCapabilities();
  return {
    name: 'WebKitGTK',
    version: caps.get('browserVersion'),
    open: (url) => open(driver, url),
    close: async () => {
      try {
        await driver.quit();
      } finally {
        server.stop();
        xvfb.stop();
      }
    },
  };
}

// Runs fn(...args) in the page (async functions awaited); errors come back as errors. The
// function's source is put into the script itself: the page's CSP forbids eval in the page.
async function evaluate(driver, fn, ...args) {
  const script = `const done = arguments[arguments.length - 1];
    const args = Array.prototype.slice.call(arguments, 0, -1);
    Promise.resolve().then(() => (${fn}).apply(null, args))
      .then((value) => done({ value: value === undefined ? null : value }), (error) => done({ error: String((error && error.stack) || error) }));`;
  const reply = await driver.executeAsyncScript(script, ...args);
  if (reply.error) throw new Error(`in the page: ${reply.error}`);
  return reply.value;
}

// Polls fn(arg) in the page every few milliseconds until it returns something truthy.
async function waitFor(driver, fn, arg, { timeout = 60000, what = 'a condition' } = {}) {
  const poll = `(value, limit) => new Promise((resolve) => {
    const check = (${fn});
    const end = performance.now() + limit;
    const tick = () => {
      const result = check(value);
      if (result) resolve({ result });
      else if (performance.now() > end) resolve({ timedOut: true });
      else setTimeout(tick, 5);
    };
    tick();
  })`;
  const reply = await evaluate(driver, poll, arg === undefined ? null : arg, timeout);
  if (reply.timedOut) {
    const body = await evaluate(driver, () => JSON.stringify(document.body.dataset)).catch(() => '?');
    throw new Error(`WebKit: waiting for ${what}: timed out after ${timeout} ms (body: ${body})`);
  }
  return reply.result;
}

async function open(driver, url) {
  await driver.manage().setTimeouts({ script: 180000 }); // above every waitFor's own limit
  await driver.get(url);
  await evaluate(driver, cspListener);
  return {
    evaluate: (fn, ...args) => evaluate(driver, fn, ...args),
    waitFor: (fn, arg, options) => waitFor(driver, fn, arg, options),
    clickAt: (x, y) => driver.actions({ async: true }).move({ x, y, origin: 'viewport' }).press().release().perform(),
    setFile: (path) => driver.findElement(By.css('#file-input')).sendKeys(path),
    forbiddenRequests: () => [], // not interceptable here: networkEvidence() in the checks
    close: () => driver.get('about:blank'),
  };
}

module.exports = { launch };
