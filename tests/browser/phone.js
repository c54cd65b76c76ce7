// Headless Chromium as a phone's browser, for the scripts beside this file.
const fs = require("fs");
const https = require("https");
const path = require("path");
const { chromium } = require("playwright-core");

// An HTTPS server on 127.0.0.1 that reads every request whole and never answers it; resolves with it once it listens.
// tlsDir holds the recorder's own certificate and key (the page trusts them).
function unansweringServer(tlsDir) {
  const server = https.createServer({ cert: fs.readFileSync(path.join(tlsDir, "recorder-cert.pem")),
                                      key: fs.readFileSync(path.join(tlsDir, "recorder-key.pem")) },
                                    (request) => { request.resume(); });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// How Chromium is launched as a phone's browser: its fake capture device plays `wav` as the microphone
// (permission granted without a prompt).
function phoneLaunchOptions(wav) {
  return {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
           "--use-fake-device-for-media-stream", `--use-file-for-fake-audio-capture=${wav}`,
           "--autoplay-policy=no-user-gesture-required"],
  };
}

// Chromium whose microphone plays `wav`. With PHONE_BROWSER set (the endpoint phone_browser.js printed), the browser
// already running there, launched with the same WAV by whoever set it; closing the one returned closes this script's
// contexts only.
function launchPhoneBrowser(wav) {
  if (process.env.PHONE_BROWSER) return chromium.connect(process.env.PHONE_BROWSER);
  return chromium.launch(phoneLaunchOptions(wav));
}

// Chromium whose microphone the user refused: without the fake prompt that grants it, headless Chromium answers
// every request for the microphone as a phone whose user tapped "Block" (NotAllowedError, "Permission denied").
function launchMicrophoneRefused(wav) {
  const options = phoneLaunchOptions(wav);
  return chromium.launch({ ...options, args: options.args.filter((a) => a !== "--use-fake-ui-for-media-stream") });
}

// The same Chromium as a server that scripts connect to (phone_browser.js).
function launchPhoneServer(wav) {
  return chromium.launchServer(phoneLaunchOptions(wav));
}

// A phone's browsing context: a phone's screen, the recorder's self-signed certificate accepted (as a phone accepts
// it once), the microphone allowed without a prompt, and the location too where a position {latitude, longitude}
// is given.
function phoneContext(browser, position = null) {
  return browser.newContext({
    ignoreHTTPSErrors: true,
    permissions: position ? ["geolocation", "microphone"] : ["microphone"],
    ...(position ? { geolocation: { ...position, accuracy: 8 } } : {}),
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
  });
}

// A phone script's run: `body(page, context)` on a new page of a phone's context (phoneContext) in Chromium whose
// microphone plays `wav` (launchPhoneBrowser); the browser closed after, whatever the body did.
async function onPhonePage(wav, body) {
  const browser = await launchPhoneBrowser(wav);
  try {
    const context = await phoneContext(browser);
    return await body(await context.newPage(), context);
  } finally {
    await browser.close();
  }
}

// A browser whose IndexedDB fails as some do, for every page of `context`: "refused" (Firefox's private windows
// before 115 answer every open with an error event) or "hangs" (iOS Safari 14 could leave an open unanswered for
// ever). window.indexedDBOpens counts the opens the page tried.
function brokenIndexedDB(context, how) {
  return context.addInitScript((mode) => {
    window.indexedDBOpens = 0;
    const broken = { open() {
      window.indexedDBOpens += 1;
      const request = { result: undefined, error: new DOMException("A mutation operation was attempted on a "
                                                                   + "database that did not allow mutations.",
                                                                   "InvalidStateError") };
      if (mode === "refused") setTimeout(() => request.onerror && request.onerror({ target: request }), 0);
      return request;
    } };
    Object.defineProperty(window, "indexedDB", { get: () => broken, configurable: true });
  }, how);
}

// Resolves once the page's microphone runs (the page says so in <body data-microphone>).
function microphoneRunning(page) {
  return page.waitForFunction(() => document.body.dataset.microphone === "running", null, { timeout: 15000 });
}

// Taps REC, waits until the page records (the button reads STOP), records for `ms` and taps STOP.
async function recordFor(page, ms) {
  await page.click("#rec");
  await page.waitForFunction(() => document.querySelector("#rec").textContent === "STOP", null, { timeout: 15000 });
  await page.waitForTimeout(ms);
  await page.click("#rec");
}

// The page's longest wait between two tries of an upload (5 s, drawn up to half again; upload.js, retryDelay).
const LONGEST_RETRY_MS = 7500;

// Whether `request` is an upload of a take (not the take list's GET).
function isUpload(request) {
  return request.method() === "POST" && request.url().includes("/api/takes");
}

module.exports = { LONGEST_RETRY_MS, brokenIndexedDB, isUpload, launchMicrophoneRefused, launchPhoneBrowser,
                   launchPhoneServer, microphoneRunning, onPhonePage, phoneContext, recordFor, unansweringServer };
