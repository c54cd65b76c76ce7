// Records until the recorder's longest take ends it, the way a phone left recording does.
// Usage: node record_timer.js URL FAKE_MIC.wav
// Taps REC once and never STOP; prints JSON: every text the info line showed, in order, until "Received" (or
// "Refused").
// PHONE_LOADED_MAX_SECONDS=S: the page as loaded before the recorder restarted with another max_seconds: its longest
// take is S seconds, until the page hears otherwise; REC is tapped after one more take list.
const { microphoneRunning, onPhonePage } = require("./phone");

async function main() {
  const [url, wav] = process.argv.slice(2);
  await onPhonePage(wav, async (page) => {
    await page.goto(url);
    await microphoneRunning(page);
    await page.evaluate(() => {
      window.shown = [];
      new MutationObserver(() => window.shown.push(document.querySelector("#info").textContent))
        .observe(document.querySelector("#info"), { childList: true, characterData: true, subtree: true });
    });
    if (process.env.PHONE_LOADED_MAX_SECONDS) {
      await page.evaluate((most) => { config.maxSeconds = most; }, Number(process.env.PHONE_LOADED_MAX_SECONDS));
      await page.evaluate(() => refresh());  // the page's own ask for its take list: resolves once it is read
    }
    await page.click("#rec");
    await page.waitForFunction(() => /^(Received|Refused)/.test(document.querySelector("#info").textContent), null,
                               { timeout: 30000 });
    console.log(JSON.stringify({ shown: await page.evaluate(() => window.shown) }));
  });
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
