// A recorder whose take folder cannot be made: the page says so (and why), a take recorded is kept and sent again,
// and once the folder can be made the notice goes and the take is received.
// Usage: node not_storing.js URL FAKE_MIC.wav SIGNAL_DIR
// Reads the notice once the page has its take list, records 1 s as "Kept" and waits until the take's row no longer
// says "uploading"; writes SIGNAL_DIR/refused, then waits up to 60 s for the notice to go and for the take's row to say
// "received" (or "done", its end): the page's waits, between its tries and its asks for its take list, go by on its
// clock (Playwright's), moved on 500 ms a step once its asks and uploads have their answers, rather than waited out.
// Prints JSON: the notice at first ("notice", "noticeShown"), the info line once refused ("refusedInfo"), the notice at
// the end ("noticeAfter", "noticeShownAfter"), the take rows at the end ("rows") and the page's errors ("errors").
// Exits 1, saying so, if the notice did not go or the take was not received in those 60 s.
const fs = require("fs");
const path = require("path");
const { countRequestsOut, microphoneRunning, onPhonePage, recordFor, stepWhenAnswered } = require("./phone");

async function main() {
  const [url, wav, signals] = process.argv.slice(2);
  await onPhonePage(wav, async (page) => {
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    const listed = page.waitForResponse((r) => r.url().includes("/api/takes") && r.status() === 200);
    await countRequestsOut(page);
    await page.clock.install();  // the page's timers, moved on below; time flows
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
    // Sent again after a wait of the page's (1 s, 2 s ... 5 s, drawn up to half again), the notice gone at its next
    // take list (every 2 s): moved on 500 ms a step, 100 ms apart, each once the page's asks and uploads have their
    // answers (stepWhenAnswered: a list's own wait, 10 s by the clock, was 2 s of real time), up to 60 s of real time.
    const ended = () => page.evaluate(() => document.querySelector("#notStoring").hidden
                                      && /^(received|done)/.test(document.querySelector("#takes li .state").textContent));
    // Each step waits at most the time left: a step's own 20 s, begun near the end, ran 80 s in all against the test's
    // 90 s, and the test timed out with nothing said of where the page stood.
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline && !await ended()) {
      await stepWhenAnswered(page, 500, ["list", "upload"], deadline - Date.now());
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!await ended()) {
      console.error("not_storing.js: the notice did not go or the take was not received within 60 s");
      process.exitCode = 1;
    }
    const noticeAfter = await page.textContent("#notStoring");
    const noticeShownAfter = await shown();
    const rows = await page.$$eval("#takes li .state", (items) => items.map((li) => li.textContent));
    console.log(JSON.stringify({ notice, noticeShown, refusedInfo, noticeAfter, noticeShownAfter, rows, errors }));
  });
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
