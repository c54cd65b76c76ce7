// Records a take the recorder refuses for its pairing, then waits for the page to say it is paired again (the
// recorder that knows the page's token is back at its address).
// Usage: node paired_again.js URL FAKE_MIC.wav SIGNAL_DIR
// Writes SIGNAL_DIR/ready once the page has its take list and its microphone runs; waits for SIGNAL_DIR/go (another
// pairing now answers at URL), records 1 s as "Paired" and waits until the take's row no longer says "uploading"; writes
// SIGNAL_DIR/refused, then waits up to 30 s for the info line to say "Paired again", and up to 30 s more for the take's
// row to say "received" (or "done", its end, where the list answered after the take was through the patch).
// Prints JSON: the info line once the take was refused ("refusedInfo"), the info line once paired again ("info"),
// whether it is shown as an error ("isError"), the take rows at the end ("rows") and every error the page threw
// ("errors"), or exits 1.
const fs = require("fs");
const path = require("path");
const { microphoneRunning, onPhonePage, recordFor } = require("./phone");

async function main() {
  const [url, wav, signals] = process.argv.slice(2);
  const signal = (name) => path.join(signals, name);
  await onPhonePage(wav, async (page) => {
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    const listed = page.waitForResponse((r) => r.url().includes("/api/takes") && r.status() === 200);
    await page.goto(url);
    await listed;
    await microphoneRunning(page);
    fs.writeFileSync(signal("ready"), "");
    while (!fs.existsSync(signal("go"))) await page.waitForTimeout(50);
    await page.fill("#name", "Paired");
    await recordFor(page, 1000);
    await page.waitForFunction(() => {
      const row = document.querySelector("#takes li .state");
      return row && !row.textContent.startsWith("uploading");
    }, null, { timeout: 30000 });
    const refusedInfo = await page.textContent("#info");
    fs.writeFileSync(signal("refused"), "");
    await page.waitForFunction(() => document.querySelector("#info").textContent.startsWith("Paired again"), null,
                               { timeout: 30000 }).catch(() => null);
    const info = await page.textContent("#info");
    const isError = await page.$eval("#info", (el) => el.classList.contains("error"));
    // Received, or already past it (its end told: "done (probe)") on a loaded machine whose list answers late.
    await page.waitForFunction(() => /^(received|done)/.test(document.querySelector("#takes li .state").textContent),
                               null, { timeout: 30000 }).catch(() => null);
    const rows = await page.$$eval("#takes li .state", (items) => items.map((li) => li.textContent));
    console.log(JSON.stringify({ refusedInfo, info, isError, rows, errors }));
  });
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
