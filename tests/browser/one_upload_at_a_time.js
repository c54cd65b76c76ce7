// Records two takes one after the other on a slow network, the way a performer records again while the last take is
// still sending: the first upload is held on its way until the second take was recorded and its upload set off (its
// location kept with it, which the page does right before it sends it), then let go; the second is held in turn until
// the page has told the first's receipt.
// Usage: node one_upload_at_a_time.js URL FAKE_MIC.wav
// Prints JSON: the most uploads the page had on their way at once ("most", from its send until it ended),
// how many it sent ("uploads"), how many it had on their way when the first was let go ("openAtRelease") and its take
// rows then ("rowsHeld"), the info line once the first take was received, the second still on its way ("infoFirst"),
// and once both were ("info").
const { microphoneRunning, onPhonePage, recordFor } = require("./phone");

async function main() {
  const [url, wav] = process.argv.slice(2);
  await onPhonePage(wav, async (page) => {
    await page.addInitScript(() => {
      // Counts the page's uploads on their way (XMLHttpRequest), passing each on to the real one; and the takes whose
      // location was kept with them (upload.js keeps it, then sends the take, in the same turn of the page's event
      // loop).
      const open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
      window.uploads = { open: 0, most: 0, sent: 0 };
      XMLHttpRequest.prototype.open = function (method, ...rest) {
        this.sentAs = method;
        return open.call(this, method, ...rest);
      };
      XMLHttpRequest.prototype.send = function (body) {
        if (this.sentAs === "POST") {
          const u = window.uploads;
          u.sent += 1; u.open += 1; u.most = Math.max(u.most, u.open);
          // Done once its readyState is DONE: told before its load, error or abort, which the page waits on.
          this.addEventListener("readystatechange", () => { if (this.readyState === 4) u.open -= 1; });
        }
        return send.call(this, body);
      };
      window.placed = new Set();
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (record, ...rest) {
        if (record && record.where) window.placed.add(record.id);
        return put.call(this, record, ...rest);
      };
    });
    let release, releaseSecond, held = false;
    const released = new Promise((resolve) => { release = resolve; });
    const secondReleased = new Promise((resolve) => { releaseSecond = resolve; });
    await page.route("**/api/takes*", async (route) => {
      if (route.request().method() === "POST") {  // each upload on a slow network, until let go
        if (!held) { held = true; await released; } else await secondReleased;
      }
      return route.continue();
    });
    await page.goto(url);
    await microphoneRunning(page);
    for (let take = 0; take < 2; take++) {
      await recordFor(page, 600);
    }
    // Both takes recorded, the first upload still held, the second's location kept: its upload has gone on the wire
    // by now, or waits its turn.
    await page.waitForFunction(() => window.placed.size === 2, null, { timeout: 30000 });
    for (let i = 0; !held; i++) {  // the first upload on its way: long since, as a rule
      if (i > 200) throw new Error("the first upload never came");
      await page.waitForTimeout(50);
    }
    const openAtRelease = await page.evaluate(() => window.uploads.open);
    const rowsHeld = await page.$$eval("#takes li", (items) => items.map((li) => li.textContent));
    release();
    await page.waitForFunction(() => [...local.values()].filter((t) => t.state === "received").length === 1, null,
                               { timeout: 30000 });
    const infoFirst = await page.textContent("#info");
    releaseSecond();
    await page.waitForFunction(() => [...local.values()].filter((t) => t.state === "received").length === 2, null,
                               { timeout: 30000 });
    const counts = await page.evaluate(() => window.uploads);
    console.log(JSON.stringify({ most: counts.most, uploads: counts.sent, openAtRelease, rowsHeld, infoFirst,
                                 info: await page.textContent("#info") }));
  });
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
