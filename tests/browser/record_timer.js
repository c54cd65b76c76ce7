// Records until the recorder's longest take ends it, the way a phone left recording does.
// Usage: node record_timer.js URL FAKE_MIC.wav
// Taps REC once and never STOP; prints JSON: every text the info line showed, in order, until "Received".
const { launchPhoneBrowser, microphoneRunning, phoneContext } = require("./phone");

async function main() {
  const [url, wav] = process.argv.slice(2);
  const browser = await launchPhoneBrowser(wav);
  try {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await page.goto(url);
    await microphoneRunning(page);
    await page.evaluate(() => {
      window.shown = [];
      new MutationObserver(() => window.shown.push(document.querySelector("#info").textContent))
        .observe(document.querySelector("#info"), { childList: true, characterData: true, subtree: true });
    });
    await page.click("#rec");
    await page.waitForFunction(() => /^Received/.test(document.querySelector("#info").textContent), null,
                               { timeout: 30000 });
    console.log(JSON.stringify({ shown: await page.evaluate(() => window.shown) }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
