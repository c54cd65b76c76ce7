// Records two takes one after the other on a slow network, the way a performer records again while the last take is
// still sending: every upload is held 2 s before it goes on.
// Usage: node one_upload_at_a_time.js URL FAKE_MIC.wav
// Prints JSON: the most uploads the page had on their way at once ("most", from its call of fetch until it settled),
// how many it sent ("uploads"), and the info line once both takes were received ("info").
const { launchPhoneBrowser, microphoneRunning, phoneContext } = require("./phone");

async function main() {
  const [url, wav] = process.argv.slice(2);
  const browser = await launchPhoneBrowser(wav);
  try {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await page.addInitScript(() => {  // counts the page's uploads on their way, passing each on to the real fetch
      const send = window.fetch.bind(window);
      window.uploads = { open: 0, most: 0, sent: 0 };
      window.fetch = (url, options) => {
        if (!options || options.method !== "POST") return send(url, options);
        const u = window.uploads;
        u.sent += 1; u.open += 1; u.most = Math.max(u.most, u.open);
        const sending = send(url, options);
        sending.finally(() => { u.open -= 1; }).catch(() => {});
        return sending;
      };
    });
    await page.route("**/api/takes*", async (route) => {
      if (route.request().method() === "POST") await new Promise((r) => setTimeout(r, 2000));  // a slow network
      return route.continue();
    });
    await page.goto(url);
    await microphoneRunning(page);
    for (let take = 0; take < 2; take++) {
      await page.click("#rec");
      await page.waitForFunction(() => document.querySelector("#rec").textContent === "STOP", null, { timeout: 15000 });
      await page.waitForTimeout(600);
      await page.click("#rec");
    }
    await page.waitForFunction(() => [...local.values()].filter((t) => t.state === "received").length === 2, null,
                               { timeout: 30000 });
    const counts = await page.evaluate(() => window.uploads);
    console.log(JSON.stringify({ most: counts.most, uploads: counts.sent, info: await page.textContent("#info") }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
