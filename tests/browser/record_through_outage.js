// Records one take while the recorder is away, the way a phone on a flaky network meets a restarting patch.
// Usage: node record_through_outage.js URL FAKE_MIC.wav SIGNAL_DIR WAIT_SECONDS [no-indexeddb]
// With "no-indexeddb" the browser has no IndexedDB, as in some private-browsing modes: opening it fails.
// Loads the page and writes SIGNAL_DIR/ready once the microphone runs; waits for SIGNAL_DIR/go (the recorder
// stopped meanwhile), records 1 s, writes SIGNAL_DIR/stopped, then waits up to WAIT_SECONDS for the page to say
// "Received" (the recorder back). Prints the info lines and take rows it saw, in order, as JSON.
// The page's retry waits go by on its clock (Playwright's), not waited out: once its first try failed, the clock is
// moved on until the page has been away AWAY_MS and tried AWAY_TRIES times, then SIGNAL_DIR/away is written; once
// SIGNAL_DIR/back is there (the recorder answers again), the clock is moved on past the longest wait left.
const fs = require("fs");
const path = require("path");
const AWAY_MS = 15000, AWAY_TRIES = 5;  // longer than a few quick retries (the page gave up after about 10 s)
const { LONGEST_RETRY_MS, brokenIndexedDB, isUpload, launchPhoneBrowser, microphoneRunning, phoneContext,
        recordFor } = require("./phone");

async function main() {
  const [url, wav, signals, waitSeconds, mode] = process.argv.slice(2);
  const browser = await launchPhoneBrowser(wav);
  const seen = [];
  try {
    const context = await phoneContext(browser, { latitude: 48.8584, longitude: 2.2945 });
    if (mode === "no-indexeddb") await brokenIndexedDB(context, "refused");
    const page = await context.newPage();
    await page.clock.install();  // time flows as usual until moved on
    let failed = 0;  // uploads that could not reach the recorder
    page.on("requestfailed", (r) => { if (isUpload(r)) failed += 1; });
    await page.goto(url);
    await microphoneRunning(page);
    fs.writeFileSync(path.join(signals, "ready"), "");
    while (!fs.existsSync(path.join(signals, "go"))) await page.waitForTimeout(50);
    await recordFor(page, 1000);
    fs.writeFileSync(path.join(signals, "stopped"), "");
    const until = Date.now() + Number(waitSeconds) * 1000;
    let info = "", moved = 0, away = false, back = false;
    while (Date.now() < until) {
      info = await page.textContent("#info");
      const rows = await page.$$eval("#takes li", (items) => items.map((li) => li.textContent));
      const now = `${info} | ${rows.join(" / ")}`;
      if (seen[seen.length - 1] !== now) seen.push(now);
      if (info.startsWith("Received")) break;
      // After the first failed try (the take kept by then: it is kept before it is sent), never during its keeping.
      if (!away && failed > 0) {
        if (moved < AWAY_MS || failed < AWAY_TRIES) {
          await page.clock.fastForward(2500);
          moved += 2500;
        } else {
          fs.writeFileSync(path.join(signals, "away"), "");
          away = true;
        }
      } else if (away && !back && fs.existsSync(path.join(signals, "back"))) {
        back = true;
        await page.clock.fastForward(LONGEST_RETRY_MS);
      }
      await page.waitForTimeout(100);
    }
    const indexedDBOpens = await page.evaluate(() => window.indexedDBOpens);  // tries refused (no-indexeddb)
    console.log(JSON.stringify({ info, seen, indexedDBOpens, failed, awayMs: moved }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
