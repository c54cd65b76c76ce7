// Records a take whose upload moves slowly but steadily (the page's network throttled to BYTES_PER_S, Chromium's own
// network emulation, which paces the body as a slow link does: its progress comes in steps), while the page's clock is
// moved on FACTOR times as fast as time goes, so that by the page's clock the upload takes many times as long as the
// real one, and never stands still for long.
// Usage: node upload_slow.js URL FAKE_MIC.wav BYTES_PER_S FACTOR
// Prints JSON: the upload's size ("bytes"), how many tries of it the page sent ("tries") and gave up ("givenUp"), how
// long the first took from its sending to its answer by the page's clock ("tookMs"), the longest time by the page's
// clock between two steps of its progress ("longestStillMs"), and the info line once the take was received ("info").
const { isUpload, microphoneRunning, onPhonePage } = require("./phone");

async function main() {
  const [url, wav, bytesPerS, factor] = process.argv.slice(2);
  await onPhonePage(wav, async (page, context) => {
    await page.addInitScript(() => {  // the steps of an upload's progress, by the page's clock
      const send = XMLHttpRequest.prototype.send;
      window.steps = [];
      XMLHttpRequest.prototype.send = function (body) {
        this.upload.addEventListener("progress", (e) => window.steps.push([Date.now(), e.loaded]));
        return send.call(this, body);
      };
    });
    await page.clock.install();  // the page's timers, moved on below; time flows
    let tries = 0, givenUp = 0, sentAt = null, answeredAt = null, bytes = null;
    page.on("request", async (r) => {
      if (!isUpload(r)) return;
      tries += 1;
      bytes = (r.postDataBuffer() || Buffer.alloc(0)).length;
    });
    page.on("requestfailed", (r) => { if (isUpload(r)) givenUp += 1; });
    page.on("response", async (r) => {
      if (isUpload(r.request()) && answeredAt === null) answeredAt = await page.evaluate(() => Date.now());
    });
    await page.goto(url);
    await microphoneRunning(page);
    await page.click("#rec");
    await page.waitForFunction(() => document.querySelector("#rec").textContent === "STOP", null, { timeout: 15000 });
    await page.waitForTimeout(1000);
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1,
                                                         uploadThroughput: Number(bytesPerS) });
    await page.click("#rec");
    for (let step = 0; tries === 0; step++) {
      if (step > 200) throw new Error("no upload came");
      await page.waitForTimeout(50);
    }
    sentAt = await page.evaluate(() => Date.now());
    // While it is on its way: the page's clock moved on FACTOR times as fast as time goes, 100 ms of time a step.
    for (let step = 0; answeredAt === null && givenUp === 0; step++) {
      if (step > 1200) throw new Error("the upload never ended");
      await page.clock.fastForward(100 * Number(factor));
      await page.waitForTimeout(100);
    }
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1,
                                                         uploadThroughput: -1 });
    for (let step = 0; !/^Received/.test(await page.textContent("#info")); step++) {
      if (step > 200) throw new Error("the take was never received");
      await page.clock.fastForward(500);  // the wait before a next try, if any
      await page.waitForTimeout(50);
    }
    const steps = await page.evaluate(() => window.steps);
    let longestStillMs = 0;
    for (let i = 1; i < steps.length; i++) longestStillMs = Math.max(longestStillMs, steps[i][0] - steps[i - 1][0]);
    console.log(JSON.stringify({ bytes, tries, givenUp, tookMs: answeredAt === null ? null : answeredAt - sentAt,
                                 longestStillMs, info: await page.textContent("#info") }));
  });
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
