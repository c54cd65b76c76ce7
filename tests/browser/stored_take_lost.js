// Records a take whose upload the recorder stores, whose answer is lost as the recorder goes away (a crash); the
// recorder comes back having found the stored take unreadable (it withdrew the take's phone id: a retry is stored
// anew), and lists the take as an error.
// Usage: node stored_take_lost.js URL FAKE_MIC.wav SIGNAL_DIR
// Writes SIGNAL_DIR/stored once the first upload reached the recorder; from then on every request to the recorder
// fails, until SIGNAL_DIR/back exists (the recorder restarted). Uploads go through again once the page has the
// error row (its take list asked of the recorder back). A take list asked then is answered by the recorder before
// the upload is let through (the error row alone), and reaches the page only once the take is received there: the
// lists asked after it wait for it. Prints JSON: the recorder's answers to the uploads that reached it
// ("statuses"), the info line once the take was received ("info") and once that late list was taken in
// ("infoOnLateList"), and the take list's rows as the page showed them with the error listed, the take about to be
// sent again ("whileSending"), and once the take stored anew is listed ("onceStored").
// From SIGNAL_DIR/back until the take's retry reaches the recorder, the page's waits (its take list asked every 2 s,
// its waits between tries) go by on its clock (Playwright's), moved on 500 ms a step, rather than waited out. The late
// list is held meanwhile, as long by the clock as it was in real time: until the retry comes, then in real time.
const fs = require("fs");
const path = require("path");
const { isUpload, microphoneRunning, onPhonePage, recordFor } = require("./phone");

async function main() {
  const [url, wav, signals] = process.argv.slice(2);
  await onPhonePage(wav, async (page) => {
    const statuses = [];
    let away = false, listedBack = false, late = null, infoOnLateList = null, retried = false;
    let lateAsked, lateTaken;
    const asked = new Promise((resolve) => { lateAsked = resolve; });
    const taken = new Promise((resolve) => { lateTaken = resolve; });
    const received = () => [...local.values()].some((t) => t.state === "received");
    await page.route("**/api/takes*", async (route) => {
      if (away && !fs.existsSync(path.join(signals, "back"))) return route.abort("connectionrefused");
      if (!isUpload(route.request())) {
        if (!listedBack) return route.continue();
        if (late !== null) { await taken; return route.continue(); }
        late = await route.fetch();  // the error row alone: the take not stored anew yet
        lateAsked();
        await page.waitForFunction(received, null, { timeout: 30000 });
        await page.evaluate(() => { window.listBeforeLate = takeList(); });
        await route.fulfill({ response: late });
        await page.waitForFunction(() => takeList() !== window.listBeforeLate, null, { timeout: 30000 });
        infoOnLateList = await page.textContent("#info");
        return lateTaken();
      }
      if (statuses.length && !listedBack) return route.abort("connectionrefused");
      if (listedBack) { retried = true; await asked; }
      const answer = await route.fetch();
      statuses.push(answer.status());
      if (statuses.length > 1) return route.fulfill({ response: answer });
      away = true;  // the recorder stored it, and went away before its answer reached the phone
      fs.writeFileSync(path.join(signals, "stored"), "");
      return route.abort("connectionreset");
    });
    await page.clock.install();  // the page's timers, moved on below; time flows
    await page.goto(url);
    await microphoneRunning(page);
    await recordFor(page, 600);
    const moved = (async () => {  // once the recorder is back, until the retry comes
      while (!fs.existsSync(path.join(signals, "back"))) await new Promise((r) => setTimeout(r, 50));
      while (!retried) {
        await page.clock.fastForward(500);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    // The recorder back, its take list shown: the take's row, an error; the take not sent again yet.
    await page.waitForFunction(() => takeList().some((t) => String(t.end).includes("unreadable")), null,
                               { timeout: 60000 });
    const rows = () => page.$$eval("#takes li", (items) => items.map((li) => li.textContent));
    const whileSending = await rows();
    listedBack = true;
    // Received, and listed anew by the recorder.
    const storedAnew = () => [...local.values()].some(
      (t) => t.state === "received" && takeList().some((s) => s.take_id === t.serverId));
    await page.waitForFunction(storedAnew, null, { timeout: 30000 });
    await taken;
    await moved;
    // The take's end, told from its row stored anew.
    await page.waitForFunction(() => /^Received.*: /.test(document.querySelector("#info").textContent), null,
                               { timeout: 30000 });
    console.log(JSON.stringify({ statuses, info: await page.textContent("#info"), infoOnLateList, whileSending,
                                 onceStored: await rows() }));
  });
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
