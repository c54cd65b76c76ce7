// Records a take whose upload reaches the recorder, which stores it, and whose answer is lost on the way back (the
// connection cut, as on a poor network); the recorder's answers to the page's later uploads come through.
// Usage: node answer_lost.js URL FAKE_MIC.wav [late]
// With "late", the page's waits between tries are their average (the first: 1 s), and its clock stops as the answer is
// lost: the take list it asks then is answered only once the try's wait has run out on that clock, and the clock runs
// again once the take is received or sent again (a poor network: the list answered after the wait, as late as the
// page's own time says, not as a loaded machine's timers happen to fall).
// Prints JSON: how many uploads of the take the page sent ("uploads"), the recorder's answers to them ("statuses") and
// the info line once the take was received ("info").
const { isUpload, microphoneRunning, onPhonePage, pauseNow, recordFor } = require("./phone");

async function main() {
  const [url, wav, late] = process.argv.slice(2);
  await onPhonePage(wav, async (page) => {
    const statuses = [];
    let listHeld = null, running = true;
    const run = async () => { if (!running) { running = true; await page.clock.resume(); } };
    // Asked in Node's time, not with the page's waitForFunction: the page's clock may stand still.
    const received = () => page.evaluate(() => [...local.values()].some((t) => t.state === "received"));
    const sentOrReceived = async () => {
      while (statuses.length < 2 && !await received()) await new Promise((r) => setTimeout(r, 50));
    };
    if (late !== undefined) {
      await page.addInitScript(() => {
        Math.random = () => 0.5;
        // A take list asked once the page has marked the take waiting says so: its retry's wait is on the page's clock
        // by then (set in the same task). A poll asked before, reaching the route after the loss, is not that list:
        // held, its wait run out on the clock before the retry had set one, the clock stood still for ever.
        const pageFetch = window.fetch;
        window.fetch = (url, init = {}) => {
          if (String(url).includes("/api/takes") && (init.method || "GET") === "GET" && window.local
              && [...window.local.values()].some((t) => t.state === "waiting")) {
            init = { ...init, headers: { ...init.headers, "X-Asked-Waiting": "1" } };
          }
          return pageFetch(url, init);
        };
      });
      await page.clock.install();  // the page's own time, running as the real one until the answer is lost
    }
    await page.route("**/api/takes*", async (route) => {
      if (!isUpload(route.request())) {
        if (late === undefined || !route.request().headers()["x-asked-waiting"] || listHeld) return route.continue();
        // The list asked as the answer was lost: at the same moment as the try's wait began.
        listHeld = (async () => {
          await page.clock.runFor(await page.evaluate(() => retryDelay(1)));  // the wait has run out, not the list's
          await route.continue();
          await sentOrReceived();
          await run();
        })();
        return listHeld;
      }
      const answer = await route.fetch();  // the recorder has it, and has answered
      statuses.push(answer.status());
      if (statuses.length === 1) {
        if (late !== undefined) {
          running = false;
          await pauseNow(page);
        }
        return route.abort("connectionreset");  // the answer lost
      }
      await run();
      return route.fulfill({ response: answer });
    });
    await page.goto(url);
    await microphoneRunning(page);
    await recordFor(page, 600);
    await page.waitForFunction(() => [...local.values()].some((t) => t.state === "received"), null,
                               { timeout: 30000 });
    await listHeld;  // its clock running again
    console.log(JSON.stringify({ uploads: statuses.length, statuses, info: await page.textContent("#info") }));
  });
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
