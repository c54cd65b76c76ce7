// Records two takes while the recorder cannot be reached (every upload refused at the connection, as with the recorder
// restarting), the way a performer goes on recording through an outage, and reads the info line as both are tried
// again; then lets the uploads through.
// Usage: node two_takes_away.js URL FAKE_MIC.wav
// Prints JSON: the info lines seen while both takes were kept ("infos", in order) and the info line once both were
// received ("info").
const { isUpload, microphoneRunning, onPhonePage, recordFor } = require("./phone");
const TRIES = 5;  // the failed tries watched, of both takes: each tried twice or more

async function main() {
  const [url, wav] = process.argv.slice(2);
  await onPhonePage(wav, async (page) => {
    let away = true, refused = 0;
    await page.route("**/api/takes*", (route) => {
      if (!away || !isUpload(route.request())) return route.continue();
      refused += 1;
      return route.abort("connectionrefused");
    });
    // The page's waits between tries (1 s, 2 s, 3 s ... each) go by on its clock, moved on below: waited out in real
    // time, they were most of the test's 9 s.
    await page.clock.install();
    await page.goto(url);
    await microphoneRunning(page);
    for (let take = 0; take < 2; take++) {
      await recordFor(page, 600);
    }
    const infos = [];
    for (let step = 0; refused < TRIES; step++) {
      if (step > 1000) throw new Error("the takes were not tried again");
      const info = await page.textContent("#info");
      if (infos[infos.length - 1] !== info) infos.push(info);
      // Once each take's first try has failed: a step short of the shortest wait (0.5 s), read after each.
      if (refused >= 2) await page.clock.fastForward(250);
      await page.waitForTimeout(20);
    }
    away = false;
    // The waits before the takes' next tries, on the page's clock too.
    const bothReceived = () => page.evaluate(
      () => [...local.values()].filter((t) => t.state === "received").length === 2);
    for (let step = 0; !await bothReceived(); step++) {
      if (step > 1000) throw new Error("the takes were not received");
      await page.clock.fastForward(250);
      await page.waitForTimeout(20);
    }
    console.log(JSON.stringify({ infos, info: await page.textContent("#info") }));
  });
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
