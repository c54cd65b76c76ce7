// Records a take whose uploads go unanswered (a connection gone silent), the recorder's take list answering all along,
// and moves the page's clock on through each try's wait, a second at a time, until the page gives that try up.
// Usage: node upload_wait.js URL FAKE_MIC.wav HEADER_TIMEOUT REQUEST_TIMEOUT MIN_UPLOAD_KBPS MOST_SILENT [TLS_DIR]
// The unanswered tries are held before they reach the network (their body never moves), or with TLS_DIR (the
// recorder's certificate and key) sent to a server that reads them whole and never answers (their body all sent, as a
// small take's goes into a phone's socket buffer at once, and no answer ever comes).
// The recorder's deadline for an upload of N bytes: HEADER_TIMEOUT + REQUEST_TIMEOUT seconds, and N at MIN_UPLOAD_KBPS
// (web_recorder/door.py). The tries go unanswered until one is given up no sooner than that deadline, or MOST_SILENT
// of them were; the next is let through. Prints JSON: the upload's size ("bytes"), that deadline in ms ("deadlineMs"),
// how long each silent try was waited on before the page gave it up, by the page's clock, to the second it was moved
// on by ("waitsMs"), when each try went from the first by the page's clock ("triesAtMs"), the info line once each
// was given up ("infos"), and the info line once the take was received ("info").
const { launchPhoneBrowser, microphoneRunning, phoneContext, recordFor, unansweringServer } = require("./phone");

async function main() {
  const [url, wav, header, request, kbps, most, tlsDir] = process.argv.slice(2);
  const browser = await launchPhoneBrowser(wav);
  const unanswering = tlsDir ? await unansweringServer(tlsDir) : null;
  try {
    const context = await phoneContext(browser);
    const page = await context.newPage();
    await page.addInitScript(() => {  // each try of an upload (XMLHttpRequest), by the page's clock: sent, given up
      const open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
      window.tries = [];
      XMLHttpRequest.prototype.open = function (method, ...rest) {
        this.sentAs = method;
        return open.call(this, method, ...rest);
      };
      XMLHttpRequest.prototype.send = function (body) {
        if (this.sentAs === "POST") {
          const entry = { at: Date.now(), sentAt: null, givenUpAt: null };
          window.tries.push(entry);
          this.upload.addEventListener("load", () => { entry.sentAt = Date.now(); });
          this.addEventListener("abort", () => { entry.givenUpAt = Date.now(); window.givenUpSeen(); });
        }
        return send.call(this, body);
      };
    });
    // Each try given up, told as it happens: the clock is moved on without asking the page after each step.
    let givenUps = 0;
    await page.exposeFunction("givenUpSeen", () => { givenUps += 1; });
    await page.clock.install();  // the page's timers, moved on below; time flows
    let routed = 0, silent = true, bytes = null;
    await page.route("**/api/takes*", async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      routed += 1;
      bytes = (route.request().postDataBuffer() || Buffer.alloc(0)).length;
      if (silent && unanswering) {  // sent whole, never answered
        const { port } = unanswering.address();
        return route.continue({ url: route.request().url().replace(/\/\/[^/]+\//, `//127.0.0.1:${port}/`) });
      }
      if (silent) return undefined;  // neither sent on nor answered: a connection gone silent
      return route.continue();
    });
    const tries = () => page.evaluate(() => window.tries);
    await page.goto(url);
    await microphoneRunning(page);
    await recordFor(page, 1000);
    const waitsMs = [], infos = [];
    let deadlineMs = null;
    for (let n = 0; silent; n++) {
      // The n-th try (from 0) on its way and held: the page's wait before it (1 s to 7.5 s) moved on, if need be.
      for (let step = 0; routed <= n; step++) {
        if (step > 200) throw new Error(`try ${n + 1} never came`);
        if (n > 0) await page.clock.fastForward(500);
        await page.waitForTimeout(50);
      }
      deadlineMs = (Number(header) + Number(request)) * 1000 + bytes * 8 / Number(kbps);
      // A body sent whole: the page told so before its clock moves on. Its answer is waited on from then, so a sent
      // told late on a loaded host, after steps below, moved the give-up that much later by the page's clock.
      for (let step = 0; unanswering && (await tries())[n].sentAt === null; step++) {
        if (step > 600) throw new Error(`try ${n + 1} never sent whole`);
        await page.waitForTimeout(50);
      }
      // The take list answers while the upload is held: the recorder is within reach. The page asks for it every 2 s
      // by its clock, moved on until it has asked (waited out, up to 2 s a try), then left to flow while the answer
      // comes: moved on meanwhile, a loaded host's answer could come past the ask's own wait.
      const isList = (r) => r.method() === "GET" && r.url().includes("/api/takes");
      const answered = page.waitForResponse((r) => isList(r.request()), { timeout: 10000 });
      let asked = false;
      const onAsk = (r) => { if (isList(r)) asked = true; };
      page.on("request", onAsk);
      for (let step = 0; !asked; step++) {
        if (step > 200) throw new Error(`the take list was not asked for during try ${n + 1}`);
        await page.clock.fastForward(250);
        await page.waitForTimeout(20);
      }
      page.off("request", onAsk);
      await answered;
      // A try sent whole after one given up is waited on more than 1.5 times as long as that one (the test's bound),
      // and never less than the recorder's deadline allows: its clock jumps to 2 s short of the lower of the two
      // at once. A second at a time, the hundreds of seconds of the later tries took seconds of the test; a try given
      // up sooner than the jump is still told at the jump, short of the bound, and fails the test all the same.
      if (unanswering && n > 0) {
        const [entry, now] = [(await tries())[n], await page.evaluate(() => Date.now())];
        const ahead = entry.at + Math.min(1.5 * waitsMs[n - 1], deadlineMs) - 2000 - now;
        if (ahead > 0 && givenUps <= n) await page.clock.fastForward(Math.round(ahead));
      }
      // Its time given up is the page's own (givenUpAt), whichever step told it.
      for (let step = 0; givenUps <= n; step++) {
        if (step > 1000) throw new Error(`try ${n + 1} never given up`);
        await page.clock.fastForward(1000);
      }
      const entry = (await tries())[n];
      const waited = entry.givenUpAt - entry.at;
      waitsMs.push(waited);
      if (waited >= deadlineMs || n + 1 >= Number(most)) silent = false;  // the next try goes through
      await page.waitForFunction((t) => {  // what the page says of it (not its "Sending the take again (try N)…")
        const said = document.querySelector("#info").textContent;
        return said.includes(`(try ${t})`) && !said.startsWith("Sending");
      }, n + 1, { timeout: 10000 });
      infos.push(await page.textContent("#info"));
    }
    for (let step = 0; !/^Received/.test(await page.textContent("#info")); step++) {
      if (step > 200) throw new Error("the take was never received");
      await page.clock.fastForward(500);  // the wait before the next try
      await page.waitForTimeout(50);
    }
    const all = await tries();
    console.log(JSON.stringify({ bytes, deadlineMs, waitsMs, triesAtMs: all.map((t) => t.at - all[0].at), infos,
                                 info: await page.textContent("#info") }));
  } finally {
    if (unanswering) { unanswering.closeAllConnections(); unanswering.close(); }
    await browser.close();
  }
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
