// Records a take whose upload the recorder stores, whose answer is lost as the recorder goes away (a crash); the
// recorder comes back having found the stored take unreadable (it withdrew the take's phone id: a retry is stored
// anew), and lists the take as an error.
// Usage: node stored_take_lost.js URL FAKE_MIC.wav SIGNAL_DIR
// Writes SIGNAL_DIR/stored once the first upload reached the recorder; from its reaching it on, every request to the
// recorder fails (an answer still on its way too), until SIGNAL_DIR/back exists (the recorder restarted). Uploads go
// through again once the page has the error row (its take list asked of the recorder back). A take list asked then
// is answered by the recorder before the upload is let through (the error row alone), and reaches the page only once
// the take is received there: the lists asked after it wait for it. Prints JSON: the recorder's answers to the
// uploads that reached it ("statuses"), the info line once the take was received ("info") and once that late list
// was taken in ("infoOnLateList"), and the take list's rows as the page showed them with the error listed, the take
// about to be sent again ("whileSending"), and once the take stored anew is listed ("onceStored").
// From SIGNAL_DIR/back until the take's retry reaches the recorder, the page's waits (its take list asked every 2 s,
// its waits between tries) go by on its clock (Playwright's), moved on 500 ms a step once no try is on its way (one
// on its way a moment said "sending again" by the clock), rather than waited out. Once the late list is asked the
// clock stands still but for 100 ms steps until the retry comes, and until the page has taken the late list in: moved
// on in real time meanwhile, the list's own wait (10 s by the clock) ran out on a loaded host before it was answered.
const fs = require("fs");
const path = require("path");
const { countRequestsOut, isUpload, microphoneRunning, onPhonePage, pauseNow, recordFor, whenAnswered } =
  require("./phone");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
        if (!listedBack) {
          // Answered as the recorder stored the take (the upload on its way), the list lists it stored: the page took
          // it for received, and never sent it again. Gone with the recorder, as a crash's.
          const answer = await route.fetch().catch(() => null);  // null: the recorder stopped meanwhile
          if (answer === null || (away && !fs.existsSync(path.join(signals, "back")))) {
            return route.abort("connectionrefused").catch(() => {});
          }
          return route.fulfill({ response: answer }).catch(() => {});  // the page may have given the ask up
        }
        if (late !== null) { await taken; return route.continue(); }
        late = route.fetch();  // the error row alone: the take not stored anew yet
        const answer = await late;
        lateAsked();
        await page.waitForFunction(received, null, { timeout: 30000 });
        await page.evaluate(() => { window.listBeforeLate = takeList(); });
        await route.fulfill({ response: answer });
        await page.waitForFunction(() => takeList() !== window.listBeforeLate, null, { timeout: 30000 });
        infoOnLateList = await page.textContent("#info");
        return lateTaken();
      }
      if (statuses.length && !listedBack) return route.abort("connectionrefused");
      if (listedBack) { retried = true; await asked; }
      if (!statuses.length) away = true;  // the first: the recorder goes away as it stores it (below)
      const answer = await route.fetch();
      statuses.push(answer.status());
      if (statuses.length > 1) return route.fulfill({ response: answer });
      // The recorder stored it, and went away before its answer reached the phone.
      fs.writeFileSync(path.join(signals, "stored"), "");
      return route.abort("connectionreset");
    });
    await countRequestsOut(page);
    await page.clock.install();  // the page's timers, moved on below; time flows
    await page.goto(url);
    await microphoneRunning(page);
    await recordFor(page, 600);
    let paused = false;
    const moved = (async () => {  // once the recorder is back, until the retry comes and the late list is asked
      while (!fs.existsSync(path.join(signals, "back"))) await sleep(50);
      for (const deadline = Date.now() + 60000; !retried || !paused;) {
        if (Date.now() > deadline) throw new Error(`no retry (${retried}) or no late list (${late !== null}) in 60 s`);
        if (late !== null && !paused) { await pauseNow(page); paused = true; continue; }
        if (!retried) await whenAnswered(page, ["upload"], () => retried || (late !== null && !paused));
        if (retried) { await sleep(50); continue; }  // the late list, asked every 2 s, in real time
        if (late !== null && !paused) continue;
        if (paused) await page.clock.runFor(100);
        else await page.clock.fastForward(500);
        await sleep(paused ? 20 : 100);
      }
    })();
    // The recorder back, its take list shown: the take's row, an error; the take waiting to be sent again. Read as the
    // page has them at one moment: read after, a try on its way could say "sending again" by then.
    await page.waitForFunction(() => takeList().some((t) => String(t.end).includes("unreadable")), null,
                               { timeout: 60000 });
    const rows = () => page.$$eval("#takes li", (items) => items.map((li) => li.textContent));
    const whileSending = await (await page.waitForFunction(() => {
      if (!takeList().some((t) => String(t.end).includes("unreadable"))) return false;
      if (![...local.values()].some((t) => t.state === "waiting")) return false;
      return [...document.querySelectorAll("#takes li")].map((li) => li.textContent);
    }, null, { timeout: 30000 })).jsonValue();
    listedBack = true;
    // Received, and listed anew by the recorder.
    const storedAnew = () => [...local.values()].some(
      (t) => t.state === "received" && takeList().some((s) => s.take_id === t.serverId));
    await page.waitForFunction(storedAnew, null, { timeout: 30000 });
    await taken;
    await moved;
    await page.clock.resume();  // the take's end comes with a take list asked every 2 s by the clock
    // The take's end, told from its row stored anew.
    await page.waitForFunction(() => /^Received.*: /.test(document.querySelector("#info").textContent), null,
                               { timeout: 30000 });
    console.log(JSON.stringify({ statuses, info: await page.textContent("#info"), infoOnLateList, whileSending,
                                 onceStored: await rows() }));
  });
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
