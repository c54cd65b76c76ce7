// Opens the recorder's page in headless Chromium, as a phone would, while the recorder is held at its connection
// limit: the busy page it gets reloads itself (<meta http-equiv="refresh">) until the recorder has room.
// Usage: node busy_page.js URL
// Prints one JSON line once the first answer is shown ({status, text}), then another once the recording page is
// ({statuses}: the status of every load of the page, the first one's included), or exits 1 after 30 s.
const { onPhonePage } = require("./phone");

async function main() {
  const [url] = process.argv.slice(2);
  await onPhonePage("", async (page) => {
    const statuses = [];
    page.on("response", (r) => { if (r.request().isNavigationRequest()) statuses.push(r.status()); });
    const first = await page.goto(url);
    console.log(JSON.stringify({ status: first.status(), text: await page.textContent("body") }));
    await page.waitForSelector("#rec", { timeout: 30000 });
    console.log(JSON.stringify({ statuses }));
  });
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
