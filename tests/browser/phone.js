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

module.exports = { launchPhoneBrowser };
