// The Firefox ESR adapter of the engine checks (checks.js): puppeteer-core over WebDriver BiDi
// (no geckodriver). Every request of the page is intercepted (those that leave file:, data:,
// blob: and 127.0.0.1 are aborted and listed) and a CSP-violation listener is installed before
// the page's own scripts run.
'use strict';

const puppeteer = require('puppeteer-core');
const { allowedUrl, cspListener } = require('../e2e/page-probes');

const FIREFOX = '/usr/bin/firefox-esr';

async function launch() {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    // No updates, telemetry or remote settings: the checks count every request.
    extraPrefsFirefox: { 'app.update.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false },
  });
  return {
    name: 'Firefox ESR',
    version: await browser.version(),
    open: (url) => open(browser, url),
    close: () => browser.close(),
  };
}

async function open(browser, url) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const requests = [];
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    requests.push(request.url());
    if (allowedUrl(request.url())) request.continue();
    else request.abort();
  });
  await page.evaluateOnNewDocument(cspListener);
  await page.goto(url);
  return {
    evaluate: (fn, ...args) => page.evaluate(fn, ...args),
    waitFor: async (fn, arg, { timeout = 60000, what = 'a condition' } = {}) => {
      try {
        return await (await page.waitForFunction(fn, { timeout, polling: 'raf' }, arg)).jsonValue();
      } catch (error) {
        const body = await page.evaluate(() => JSON.stringify(document.body.dataset)).catch(() => '?');
        throw new Error(`Firefox: waiting for ${what}: ${error.message} (body: ${body})`, { cause: error });
      }
    },
    clickAt: (x, y) => page.mouse.click(x, y),
    setFile: async (path) => {
      const input = await page.$('#file-input');
      await input.uploadFile(path);
    },
    forbiddenRequests: () => requests.filter((u) => !allowedUrl(u)),
    close: () => context.close(),
  };
}

module.exports = { launch };
