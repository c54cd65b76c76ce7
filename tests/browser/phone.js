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

// Counts, in the page, its requests still waiting for their answer (window.requestsOut): its take list's asks
// (fetch: "list") and its uploads (XMLHttpRequest: "upload"), for stepWhenAnswered. Call before the page loads.
function countRequestsOut(page) {
  return page.addInitScript(() => {
    window.requestsOut = { list: 0, upload: 0 };
    window.listAskedAt = 0;  // the page's clock as it last asked (listHandled: its answer's handling is done by then)
    const pageFetch = window.fetch;
    window.fetch = (...args) => {
      window.requestsOut.list += 1;
      window.listAskedAt = Date.now();
      return pageFetch(...args).finally(() => { window.requestsOut.list -= 1; });
    };
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function (body) {
      window.requestsOut.upload += 1;
      this.addEventListener("loadend", () => { window.requestsOut.upload -= 1; });
      return send.call(this, body);
    };
  });
}

// Resolves once none of the page's requests of `kinds` (countRequestsOut) is on its way, or `stop()` holds, waited for
// in real time up to `patienceMs` (the page's own waits for an answer, 10 s to 17 s, then run out as time flows).
async function whenAnswered(page, kinds = ["list", "upload"], stop = () => false, patienceMs = 20000) {
  const out = () => page.evaluate((names) => names.reduce((n, name) => n + window.requestsOut[name], 0), kinds);
  for (const deadline = Date.now() + patienceMs; Date.now() < deadline && !stop() && await out() > 0;) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Resolves once the page has handled an answer to its take list asked at `since` (its clock) or later, and to its
// latest ask: its state.listAnsweredAt (page.js, set after the answer's body is read and rendered) is past both, and
// no ask is out. requestsOut alone drops an ask as its headers arrive, before the page reads the body and acts on it
// (which may send a take). Waited in real time up to `patienceMs`; false if it ran out.
async function listHandled(page, since, patienceMs = 20000) {
  const handled = () => page.evaluate(async (t) => {
    const answeredAt = (await import("/static/page.js")).state.listAnsweredAt;
    return window.requestsOut.list === 0 && answeredAt >= t && answeredAt >= window.listAskedAt;
  }, since);
  for (const deadline = Date.now() + patienceMs; Date.now() < deadline;) {
    if (await handled()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

// Moves the page's clock on `ms` once its requests of `kinds` have their answers (whenAnswered). Moved on while an
// answer was on its way, a loaded host's answer came past the page's wait for it by the clock (10 s, 2 s of real time
// at 500 ms a 100 ms step), or a try in flight a moment said "sending again" by the clock. `patienceMs`: a caller's
// loop passes the time it has left, so that one step's wait cannot carry it past its deadline (and its test's).
async function stepWhenAnswered(page, ms, kinds = ["list", "upload"], patienceMs = 20000) {
  await whenAnswered(page, kinds, () => false, Math.max(0, patienceMs));
  await page.clock.fastForward(ms);
}

// The page's clock stopped where it stands now. Its time, read a moment before, may have run past by the time the
// pause comes (a loaded host, a browser reached over its connection): "Cannot fast-forward to the past"; read again,
// aiming a few ms further each time (a pause a moment ahead runs no timer of the page's).
async function pauseNow(page) {
  for (let tries = 0; ; tries++) {
    try {
      return await page.clock.pauseAt(await page.evaluate((ahead) => Date.now() + ahead, 1 + 10 * tries));
    } catch (error) {
      if (tries >= 50 || !String(error.message).includes("to the past")) throw error;
    }
  }
}

module.exports = { LONGEST_RETRY_MS, brokenIndexedDB, countRequestsOut, isUpload, launchMicrophoneRefused,
                   launchPhoneBrowser, launchPhoneServer, microphoneRunning, onPhonePage, pauseNow, phoneContext,
                   recordFor, stepWhenAnswered, unansweringServer, whenAnswered, listHandled };
