// Headless Chromium as a phone's browser, for the scripts beside this file.
const { chromium } = require("playwright-core");

// Chromium whose fake capture device plays `wav` as the microphone (permission granted without a prompt).
function launchPhoneBrowser(wav) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
           "--use-fake-device-for-media-stream", `--use-file-for-fake-audio-capture=${wav}`,
           "--autoplay-policy=no-user-gesture-required"],
  });
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

// Resolves once the page's microphone runs (the page says so in <body data-microphone>).
function microphoneRunning(page) {
  return page.waitForFunction(() => document.body.dataset.microphone === "running", null, { timeout: 15000 });
}

module.exports = { launchPhoneBrowser, microphoneRunning, phoneContext };
