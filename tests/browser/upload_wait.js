// Records a take whose first upload is never answered (a connection gone silent), the recorder's take list answering
// all along, and moves the page's clock on through the time the recorder itself waits for that upload.
// Usage: node upload_wait.js URL FAKE_MIC.wav HEADER_TIMEOUT REQUEST_TIMEOUT MIN_UPLOAD_KBPS
// The recorder's deadline for an upload of N bytes: HEADER_TIMEOUT + REQUEST_TIMEOUT seconds, and N at MIN_UPLOAD_KBPS
// (web_recorder/door.py). Prints JSON: how many uploads the page had given up once its clock reached that deadline
// ("givenUpAtDeadline") and 20 s later ("givenUpAfter"), the info line then ("infoAfter"), how many uploads it sent
// ("uploads") and the info line once the take was received ("info").
const { isUpload, launchPhoneBrowser, microphoneRunning, phoneContext } = require("./phone");

async function main() {
  const [url, wav, header, request, kbps] = process.argv.slice(2);
  const browser = await launchPhoneBrowser(wav);
  try {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await page.clock.install();  // the page's timers, moved on below; time flows
    let givenUp = 0, uploads = 0;
    page.on("requestfailed", (r) => { if (isUpload(r)) givenUp += 1; });
    let heldBytes = null;  // the first upload's size, once it is held
    await page.route("**/api/takes*", async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      uploads += 1;
      if (uploads > 1) return route.continue();
      heldBytes = (route.request().postDataBuffer() || Buffer.alloc(0)).length;
      return undefined;  // neither sent on nor answered: a connection gone silent
    });
    await page.goto(url);
    await microphoneRunning(page);
    await page.click("#rec");
    await page.waitForFunction(() => document.querySelector("#rec").textContent === "STOP", null, { timeout: 15000 });
    await page.waitForTimeout(1000);
    await page.click("#rec");
    for (let i = 0; i < 100 && heldBytes === null; i++) await page.waitForTimeout(100);
    if (heldBytes === null) throw new Error("no upload came");
    // The take list answers while the upload is held: the recorder is within reach.
    await page.waitForResponse((r) => r.request().method() === "GET" && r.url().includes("/api/takes"),
                               { timeout: 10000 });
    const deadline = (Number(header) + Number(request)) * 1000 + heldBytes * 8 / Number(kbps);
    await page.clock.fastForward(Math.round(deadline));
    await page.waitForTimeout(300);
    const givenUpAtDeadline = givenUp;
    await page.clock.fastForward(20000);
    await page.waitForFunction(() => document.querySelector("#info").textContent.includes("(try 1)"), null,
                               { timeout: 10000 }).catch(() => {});
    const givenUpAfter = givenUp;
    const infoAfter = await page.textContent("#info");
    await page.clock.fastForward(10000);  // the wait before the next try
    await page.waitForFunction(() => /^Received/.test(document.querySelector("#info").textContent), null,
                               { timeout: 30000 });
    console.log(JSON.stringify({ givenUpAtDeadline, givenUpAfter, infoAfter, uploads,
                                 info: await page.textContent("#info") }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
