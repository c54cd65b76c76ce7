// Opens the recorder's page in headless Chromium as a phone whose key the page has kept from before (KEY), and
// reads its take list as the recorder answers it for that key.
// Usage: node list_rows.js URL KEY COUNT [KEPT]
// KEPT: a JSON list of records the phone's storage holds from an earlier page (keep.js's IndexedDB "takes"), put there
// before the page is opened again. Waits up to 10 s for COUNT rows in the list. Prints JSON: the rows' text ("rows"),
// their classes ("rowClasses": "failed" red, "partial" amber) and every error the page threw ("errors"), or exits 1.
const { launchPhoneBrowser, phoneContext } = require("./phone");

async function main() {
  const [url, key, count, kept] = process.argv.slice(2);
  const browser = await launchPhoneBrowser("");
  try {
    const context = await phoneContext(browser);
    await context.addInitScript((k) => localStorage.setItem("exsampling-phone-key", k), key);
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.goto(url);
    if (kept) {
      await page.evaluate((records) => new Promise((resolve, reject) => {
        const opened = indexedDB.open("exsampling-recorder", 1);
        opened.onupgradeneeded = () => opened.result.createObjectStore("takes", { keyPath: "id" });
        opened.onerror = () => reject(opened.error);
        opened.onsuccess = () => {
          const tx = opened.result.transaction("takes", "readwrite");
          for (const record of records) tx.objectStore("takes").put(record);
          tx.oncomplete = () => { opened.result.close(); resolve(); };
          tx.onerror = () => reject(tx.error);
        };
      }), JSON.parse(kept));
      await page.reload();
    }
    await page.waitForFunction((n) => document.querySelectorAll("#takes li").length >= n, Number(count),
                               { timeout: 10000 }).catch(() => null);
    const rows = await page.$$eval("#takes li", (items) => items.map((li) => li.textContent));
    const rowClasses = await page.$$eval("#takes li", (items) => items.map((li) => li.className));
    console.log(JSON.stringify({ rows, rowClasses, errors }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
