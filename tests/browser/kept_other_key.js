// Sends a take an earlier page kept, with that page's own phone key, the way a private tab (whose key lasts as long
// as its page) or a phone whose site storage lost its key (but not its IndexedDB) does.
// Usage: node kept_other_key.js URL TAKE.wav
// Loads URL, puts TAKE.wav into the page's store of kept takes (IndexedDB) as a take of the phone key KEY below,
// reloads (the page sends it), and waits up to 10 s for its row to tell its end ("done"). Prints JSON: the take
// rows shown then ("rows"), the info line ("info") and the phone keys the page asked the take list with ("listKeys").
const fs = require("fs");
const { launchPhoneBrowser, phoneContext } = require("./phone");

const KEY = "0123456789abcdef0123456789abcdef";  // not this page's own: ownKey() draws 32 hex digits at random
const TAKE_ID = "0123456789abcdef01234567";

async function main() {
  const [url, wav] = process.argv.slice(2);
  const browser = await launchPhoneBrowser(wav);
  try {
    const context = await phoneContext(browser, { latitude: 48.8584, longitude: 2.2945 });
    const page = await context.newPage();
    const listKeys = new Set();
    page.on("request", (r) => {
      if (r.method() === "GET" && r.url().includes("/api/takes")) listKeys.add(r.headers()["x-phone-key"]);
    });
    await page.goto(url);
    if (!await page.evaluate(async () => Boolean(await keeping))) throw new Error("the page has no IndexedDB");
    const bytes = [...fs.readFileSync(wav)];
    await page.evaluate(async ({ bytes, key, id }) => {
      await kept((takes) => takes.put({ id, name: "Kept Before", phoneKey: key, startedAt: Date.now() - 60000,
                                        seconds: 0.5, where: { error: "the page closed before the location was known" },
                                        wav: new Uint8Array(bytes).buffer }));
    }, { bytes, key: KEY, id: TAKE_ID });
    await page.reload();
    await page.waitForFunction(() => [...document.querySelectorAll("#takes li")].some((li) => /done/.test(li.textContent)),
                               null, { timeout: 10000 }).catch(() => null);
    const rows = await page.$$eval("#takes li", (items) => items.map((li) => li.textContent));
    const info = await page.textContent("#info");
    console.log(JSON.stringify({ rows, info, listKeys: [...listKeys] }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
