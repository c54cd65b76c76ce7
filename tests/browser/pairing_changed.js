// Opens the recorder's page in headless Chromium as a phone, and waits, recording nothing, for the page to say that
// the recorder's pairing changed (the recorder restarted with a new token while the page stayed open).
// Usage: node pairing_changed.js URL SIGNAL_DIR
// Writes SIGNAL_DIR/ready once the page has its take list; waits up to 30 s for the info line to name the pairing.
// Prints JSON: the info line ("info"), whether it is shown as an error ("isError") and every error the page threw
// ("errors"), or exits 1.
const fs = require("fs");
const path = require("path");
const { countRequestsOut, onPhonePage, stepWhenAnswered } = require("./phone");

async function main() {
  const [url, signals] = process.argv.slice(2);
  await onPhonePage("", async (page) => {
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    const listed = page.waitForResponse((r) => r.url().includes("/api/takes") && r.status() === 200);
    await countRequestsOut(page);
    await page.clock.install();  // the page's timers, moved on below; time flows
    await page.goto(url);
    await listed;
    fs.writeFileSync(path.join(signals, "ready"), "");
    // The page asks for its take list every 2 s by its clock: moved on 500 ms a step rather than waited out, each once
    // its ask has its answer (its wait, 10 s by the clock, was 1 s of real time), up to 30 s of real time.
    const named = () => page.evaluate(() => document.querySelector("#info").textContent.includes("pairing"));
    // Each step waits at most the time left (a step's own 20 s, begun near the end, ran past the test's timeout).
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline && !await named()) {
      await stepWhenAnswered(page, 500, ["list"], deadline - Date.now());
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!await named()) {
      console.error("pairing_changed.js: the page did not say its pairing changed within 30 s");
      process.exitCode = 1;
    }
    const info = await page.textContent("#info");
    const isError = await page.$eval("#info", (el) => el.classList.contains("error"));
    console.log(JSON.stringify({ info, isError, errors }));
  });
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
