// A recorder whose take folder cannot be made: the page says so (and why), a take recorded is kept and sent again,
// and once the folder can be made the notice goes and the take is received.
// Usage: node not_storing.js URL FAKE_MIC.wav SIGNAL_DIR
// Reads the notice once the page has its take list, records 1 s as "Kept" and waits until the take's row no longer
// says "uploading"; writes SIGNAL_DIR/refused, then waits up to 60 s for the notice to go and for the take's row to say
// "received" (or "done", its end).
// Prints JSON: the notice at first ("notice", "noticeShown"), the info line once refused ("refusedInfo"), the notice at
// the end ("noticeAfter", "noticeShownAfter"), the take rows at the end ("rows") and the page's errors ("errors").
const fs = require("fs");
const path = require("path");
const { microphoneRunning, onPhonePage, recordFor } = require("./phone");

async function main() {
  const [url, wav, signals] = process.argv.slice(2);
  await onPhonePage(wav, async (page) => {
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    const listed = page.waitForResponse((r) => r.url().includes("/api/takes") && r.status() === 200);
    await page.goto(url);
    await listed;
    await microphoneRunning(page);
    const shown = () => page.$eval("#notStoring", (el) => !el.hidden && el.offsetHeight > 0);
    const notice = await page.textContent("#notStoring");
    const noticeShown = await shown();
    await page.fill("#name", "Kept");
    await recordFor(page, 1000);
    await page.waitForFunction(() => {
      const row = document.querySelector("#takes li .state");
      return row && !row.textContent.startsWith("uploading");
    }, null, { timeout: 30000 });
    const refusedInfo = await page.textContent("#info");
    fs.writeFileSync(path.join(signals, "refused"), "");
    await page.waitForFunction(() => /^(received|done)/.test(document.querySelector("#takes li .state").textContent)
                               && document.querySelector("#notStoring").hidden, null, { timeout: 60000 })
      .catch(() => null);
    const noticeAfter = await page.textContent("#notStoring");
    const noticeShownAfter = await shown();
    const rows = await page.$$eval("#takes li .state", (items) => items.map((li) => li.textContent));
    console.log(JSON.stringify({ notice, noticeShown, refusedInfo, noticeAfter, noticeShownAfter, rows, errors }));
  });
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
