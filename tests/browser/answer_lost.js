// Records a take whose upload reaches the recorder, which stores it, and whose answer is lost on the way back (the
// connection cut, as on a poor network); the recorder's answers to the page's later uploads come through.
// Usage: node answer_lost.js URL FAKE_MIC.wav [LIST_LATE_MS]
// With LIST_LATE_MS, the page's waits between tries are their average (the first: 1 s), and the take list asked once
// the answer was lost is answered LIST_LATE_MS after the loss (a poor network).
// Prints JSON: how many uploads of the take the page sent ("uploads"), the recorder's answers to them ("statuses") and
// the info line once the take was received ("info").
const { isUpload, launchPhoneBrowser, microphoneRunning, phoneContext } = require("./phone");

async function main() {
  const [url, wav, late] = process.argv.slice(2);
  const browser = await launchPhoneBrowser(wav);
  try {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    const statuses = [];
    let lostAt = null;
    if (late !== undefined) await page.addInitScript(() => { Math.random = () => 0.5; });
    await page.route("**/api/takes*", async (route) => {
      if (!isUpload(route.request())) {
        if (late !== undefined && lostAt !== null) {
          await new Promise((r) => setTimeout(r, Math.max(0, lostAt + Number(late) - Date.now())));
        }
        return route.continue();
      }
      const answer = await route.fetch();  // the recorder has it, and has answered
      statuses.push(answer.status());
      if (statuses.length === 1) {
        lostAt = Date.now();
        return route.abort("connectionreset");  // the answer lost
      }
      return route.fulfill({ response: answer });
    });
    await page.goto(url);
    await microphoneRunning(page);
    await page.click("#rec");
    await page.waitForFunction(() => document.querySelector("#rec").textContent === "STOP", null, { timeout: 15000 });
    await page.waitForTimeout(600);
    await page.click("#rec");
    await page.waitForFunction(() => [...local.values()].some((t) => t.state === "received"), null,
                               { timeout: 30000 });
    console.log(JSON.stringify({ uploads: statuses.length, statuses, info: await page.textContent("#info") }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
