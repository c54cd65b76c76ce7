// Records one take the recorder does not accept at once, then leaves the page and opens it again, the way a phone
// meets a restarting patch or a rotated pairing token.
// Usage: node record_kept.js URL FAKE_MIC.wav SIGNAL_DIR MODE
// Loads URL and writes SIGNAL_DIR/ready once the microphone runs; waits for SIGNAL_DIR/go; records 1 s and waits
// until the take's row no longer says "uploading"; writes SIGNAL_DIR/stopped. MODE "reload": reloads the page
// (the recorder is away: the reload fails, as a phone's does) and writes SIGNAL_DIR/reloaded. Then waits for
// SIGNAL_DIR/back, which holds the URL to open (the same, or the one with the new token), opens it and waits up to
// 30 s for the page to say "Received". Prints the info lines and take rows it saw, in order, every take list the
// page opened again showed, the dialogs the page raised, the rows after the first page's try, how many takes
// the browser's storage still holds and how many uploads went after "Received" ("sentAfterReceived", the page's
// clock moved on past its longest wait between tries), as JSON.
const fs = require("fs");
const path = require("path");
const { LONGEST_RETRY_MS, countRequestsOut, launchPhoneBrowser, microphoneRunning, phoneContext,
        recordFor, listHandled } = require("./phone");

const seenNow = async (page) => {
  const info = await page.textContent("#info").catch(() => "");
  const rows = await page.$$eval("#takes li", (items) => items.map((li) => li.textContent)).catch(() => []);
  return { info, rows };
};

async function main() {
  const [url, wav, signals, mode] = process.argv.slice(2);
  const signal = (name) => path.join(signals, name);
  const browser = await launchPhoneBrowser(wav);
  const seen = [], dialogs = [], log = [];
  try {
    const context = await phoneContext(browser, { latitude: 48.8584, longitude: 2.2945 });
    const page = await context.newPage();
    await page.clock.install();  // time flows as usual; moved on once the take is received (below)
    // The uploads the page started, counted in the page as it sends each (its own state): a request event reaches
    // this script later, past any fixed window on a loaded host.
    await page.addInitScript(() => {
      const send = XMLHttpRequest.prototype.send;
      window.uploadsStarted = 0;
      XMLHttpRequest.prototype.send = function (body) {
        window.uploadsStarted += 1;
        return send.call(this, body);
      };
    });
    await countRequestsOut(page);
    page.on("dialog", (dialog) => { dialogs.push(dialog.type()); dialog.accept().catch(() => {}); });
    page.on("pageerror", (e) => log.push(`page error: ${e.message}`));
    // Every state the take list shows, however briefly (a kept take may be sent within milliseconds of the load).
    const shown = [];
    await page.exposeFunction("tellRows", (rows) => shown.push(rows.join(" / ")));
    await page.addInitScript(() => document.addEventListener("DOMContentLoaded", () => {
      const list = document.getElementById("takes");
      if (!list) return;
      new MutationObserver(() => window.tellRows([...list.children].map((li) => li.textContent)))
        .observe(list, { childList: true, subtree: true, characterData: true });
    }));
    await page.goto(url);
    await microphoneRunning(page);
    fs.writeFileSync(signal("ready"), "");
    while (!fs.existsSync(signal("go"))) await page.waitForTimeout(50);
    await recordFor(page, 1000);
    await page.waitForFunction(() => {
      const row = document.querySelector("#takes li .state");
      return row && !row.textContent.startsWith("uploading");
    }, null, { timeout: 30000 });
    const first = await seenNow(page);
    fs.writeFileSync(signal("stopped"), "");
    if (mode === "reload") {
      await page.reload({ timeout: 10000 }).catch((error) => log.push(`reload: ${error.message.split("\n")[0]}`));
      fs.writeFileSync(signal("reloaded"), "");
    }
    while (!fs.existsSync(signal("back"))) await new Promise((r) => setTimeout(r, 50));
    const opened = shown.length;
    await page.goto(fs.readFileSync(signal("back"), "utf8").trim());
    const until = Date.now() + 30000;
    let info = "";
    while (Date.now() < until) {
      const now = await seenNow(page);
      info = now.info;
      const line = `${now.info} | ${now.rows.join(" / ")}`;
      if (seen[seen.length - 1] !== line) seen.push(line);
      if (info.startsWith("Received")) break;
      await page.waitForTimeout(100);
    }
    // A second try, had the page kept the take after its answer, would be sent within the page's longest wait between
    // tries (5 s, drawn up to half again): that wait goes by on the page's clock, whose jump runs the page's timers
    // and what they start at once (a try goes out in the same task as its wait ends), and the take list asks it made
    // get their answers (what a page does with an answer may send a take too). Counted in the page, not as this
    // script hears of the upload: a fixed 500 ms of real time for that could miss a late one on a loaded host.
    const sentNow = () => page.evaluate(() => window.uploadsStarted);
    const sentBefore = await sentNow();
    // Until the page has read and acted on a list answer after the jump (its poll, run by the jump): the ask counted
    // answered as its headers came, the page could still send a take on reading the body.
    const jumpedTo = await page.evaluate((ms) => Date.now() + ms, LONGEST_RETRY_MS + 100);
    await page.clock.fastForward(LONGEST_RETRY_MS + 100);
    if (!await listHandled(page, jumpedTo)) log.push("no take list handled after the jump");
    const sentAfterReceived = await sentNow() - sentBefore;
    const kept = await page.evaluate(() => new Promise((resolve) => {
      const open = indexedDB.open("exsampling-recorder");
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains("takes")) { resolve(-1); return; }
        const all = db.transaction("takes").objectStore("takes").getAll();
        all.onsuccess = () => resolve(all.result.length);
      };
      open.onerror = () => resolve(-1);
    }));
    console.log(JSON.stringify({ info, first, seen, shownAfterOpening: shown.slice(opened), dialogs, kept, log,
                                 sentAfterReceived }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
