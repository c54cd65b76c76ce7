// Opens the recorder's page in a Chromium whose microphone the user refused, and taps REC.
// Usage: node microphone_refused.js URL FAKE_MIC.wav
// Prints, as JSON, what the info line said once the page had tried the microphone on load ("onLoad", with
// "onLoadIsError") and after REC was tapped ("afterRec", "afterRecIsError"), and the button's text then ("button").
const { launchMicrophoneRefused, phoneContext } = require("./phone");

async function main() {
  const [url, wav] = process.argv.slice(2);
  const browser = await launchMicrophoneRefused(wav);
  try {
    const context = await phoneContext(browser, null);
    await context.clearPermissions();  // the microphone not granted: its request is refused
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.microphone === "failed", null, { timeout: 15000 });
    const seen = async () => [await page.textContent("#info"),
                              await page.$eval("#info", (el) => el.classList.contains("error"))];
    const [onLoad, onLoadIsError] = await seen();
    await page.evaluate(() => { document.querySelector("#info").textContent = ""; });  // what REC says, below
    await page.tap("#rec");
    await page.waitForFunction(() => document.querySelector("#info").textContent !== "", null, { timeout: 15000 });
    const [afterRec, afterRecIsError] = await seen();
    const button = await page.textContent("#rec");
    console.log(JSON.stringify({ onLoad, onLoadIsError, afterRec, afterRecIsError, button }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
