// Records one take on the web recorder's page in headless Chromium, the way a phone would.
// Usage: node record_take.js URL FAKE_MIC.wav LATITUDE LONGITUDE SECONDS NAME
// An empty NAME types none: the page's made-up name is used, and REC is tapped once the microphone, opened on
// load, is running (the page says so in <body data-microphone>).
// Chromium's fake capture device plays FAKE_MIC.wav as the microphone; the geolocation is set, or with an empty
// LATITUDE not allowed (the take is sent without location). PHONE_INDEXEDDB=refused or hangs: the browser's
// IndexedDB fails so (phone.js, brokenIndexedDB); where it hangs, the page's clock is moved on 3 s once it is loaded
// (its wait for the storage, keep.js). PHONE_SILENT_UPLOADS=N: the first N uploads are sent to a server
// that reads them whole and never answers (HTTPS with the recorder's own certificate and key, from PHONE_TLS_DIR): the
// body goes out at once, as a small take's does into a phone's socket buffer, and no answer ever comes; the page's
// clock is then moved on through its wait for each (15 s and 1 ms per 50 bytes, twice as long each try given up, at
// most the recorder's own deadline for it and 15 s, from the settings the page loaded: upload.js, answerWaitMs and
// uploadWaitMs) rather than waited out, and so is its wait before it sends the take again; the report says how
// many uploads the page had given up a second before that wait's end ("givenUpEarly") and in all ("givenUp").
// PHONE_SILENT_NETWORK=1: the page's asks for its take list go unanswered too, from the first upload until the one
// after the silent ones (the whole network silent, not only slow). The report gives the info line and the take's row
// as each upload went ("atUploads").
// PHONE_SILENT_LIST=1: from the upload's 201 on, the page's asks for its take list go unanswered for 1 s (a network
// gone silent; the page asks at once, and every 250 ms while it awaits the take's end); the page's clock is then moved
// on 10.5 s. The report says whether the take's end was then shown within
// 10 s ("endShown") and how many asks went unanswered ("stalledLists").
// PHONE_MAX_SECONDS=S: the page's longest take is S seconds, whatever the recorder it loaded from (or lists) says.
// PHONE_RELOAD=1: the page is reloaded at the end; the report gives the take rows it then shows ("rowsAfterReload")
// and how many takes' audio the browser's storage holds ("keptAudio").
// PHONE_SLOW_RETRY_MS=N: every upload after the first is held N ms before it goes on (a slow network), the page's
// clock moved on 1.1 s as it is held (past the page's 1 s before a try in flight says so, not waited out); the report
// gives the info line and the take's row 500 ms before each goes on ("duringSlowRetry").
// PHONE_DOUBLE_TAP=1: REC is tapped twice (a double tap: the second tap as the take starts), then STOP once after
// SECONDS.
// PHONE_MIC_ENDED=1: the microphone's track is ended (as the system ends it) once it runs, before REC is tapped.
// PHONE_BUSY_UPLOADS=N: the first N uploads (after the silent ones) are answered 503 as a busy recorder would,
// with the headers PHONE_BUSY_HEADERS (JSON: the real busy answer's, given by the test) and Retry-After:
// PHONE_BUSY_RETRY_AFTER if that is set ("date+S": the HTTP date S seconds on), and the
// page's clock is then moved on in steps of 500 ms until the take is sent again, rather than its wait waited out;
// the report gives when each upload went by the page's clock ("uploadsAtMs", from the first), what the page said
// once it had each busy answer ("busyInfo") and the headers the page got with each ("busyHeaders").
const { brokenIndexedDB, isUpload, launchPhoneBrowser, microphoneRunning, phoneContext,
        unansweringServer } = require("./phone");

// Whether the page has had an answer to its take list since `since` (by its clock), as the page itself judges that
// (state.listAnsweredAt, page.js: the module the page runs, imported again), within `ms` (or until `over()`).
async function listAnsweredSince(page, since, ms, over) {
  const deadline = Date.now() + ms;
  for (;;) {
    const answered = await page.evaluate(
      async (t) => (await import("/static/page.js")).state.listAnsweredAt >= t, since);
    if (answered) return true;
    if (over() || Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main() {
  const [url, wav, lat, lon, seconds, name] = process.argv.slice(2);
  const browser = await launchPhoneBrowser(wav);
  const log = [];
  let unanswering = null;  // PHONE_SILENT_UPLOADS: the server the silent uploads go to
  try {
    const context = await phoneContext(browser, lat ? { latitude: Number(lat), longitude: Number(lon) } : null);
    if (process.env.PHONE_INDEXEDDB) await brokenIndexedDB(context, process.env.PHONE_INDEXEDDB);
    const page = await context.newPage();
    const silentUploads = Number(process.env.PHONE_SILENT_UPLOADS || 0);
    const busyUploads = Number(process.env.PHONE_BUSY_UPLOADS || 0);
    // The real busy answer's headers (web_recorder/busy.py), from the test: a fake set of its own fell behind twice.
    if (busyUploads && !process.env.PHONE_BUSY_HEADERS) throw new Error("PHONE_BUSY_UPLOADS needs PHONE_BUSY_HEADERS");
    const busyAnswerHeaders = busyUploads ? JSON.parse(process.env.PHONE_BUSY_HEADERS) : {};
    const silentList = Boolean(process.env.PHONE_SILENT_LIST);
    const silentNetwork = Boolean(process.env.PHONE_SILENT_NETWORK);
    let listStalling = false, stalledLists = 0;
    const storageHangs = process.env.PHONE_INDEXEDDB === "hangs";
    const slowRetryMs = Number(process.env.PHONE_SLOW_RETRY_MS || 0);
    if (silentUploads || busyUploads || silentList || storageHangs || slowRetryMs) {
      await page.clock.install();  // moved on below; time flows
    }
    let finished = false;
    const givenUpEarly = [];
    let givenUp = 0;  // uploads the page aborted
    page.on("requestfailed", (r) => { if (isUpload(r)) givenUp += 1; });
    let stalled = 0;  // PHONE_SILENT_UPLOADS=N: the first N uploads go out and are never answered (a silent network)
    if (silentUploads && !process.env.PHONE_TLS_DIR) throw new Error("PHONE_SILENT_UPLOADS needs PHONE_TLS_DIR");
    unanswering = silentUploads ? await unansweringServer(process.env.PHONE_TLS_DIR) : null;
    let busy = 0;  // PHONE_BUSY_UPLOADS=N: the next N are answered 503, with Retry-After: PHONE_BUSY_RETRY_AFTER
    const uploadsAt = [], atUploads = [], busyInfo = [], busyHeaders = [], duringSlowRetry = [];
    page.on("response", async (r) => {
      if (isUpload(r.request()) && r.status() === 503) busyHeaders.push(await r.allHeaders());
    });
    await page.route("**/api/takes*", async (route) => {
      if (route.request().method() !== "POST") {
        if (!listStalling) return route.continue();
        stalledLists += 1;  // never answered: a request lost on a network gone silent
        return undefined;
      }
      // By the page's clock as the page sent it (one upload at a time: its last), the waits it drew: read as the route
      // got it, a loaded host's late request came after steps of the clock moved on meanwhile (below).
      uploadsAt.push(await page.evaluate(() => (window.uploadsSentAt || []).at(-1) ?? Date.now()));
      // What the page said as it sent it (saidAtSends): read as the route got it, a loaded host's late request came
      // after the clock's steps (below) had run a second of the try and the page said "Sending the take again".
      atUploads.push(await page.evaluate(() => (window.saidAtSends || []).at(-1)
        ?? { info: document.querySelector("#info").textContent,
             row: (document.querySelector("#takes li .state") || {}).textContent }));
      listStalling = silentNetwork && stalled < silentUploads;
      if (stalled < silentUploads) {
        stalled += 1;
        // Sent whole, never answered. The page's wait for it (15 s and 1 ms per 50 bytes, twice as long for each
        // try given up before, at most the recorder's deadline, header_timeout and request_timeout and its size at
        // min_upload_kbps, and 15 s) goes by on its clock: all but a second of it, then the rest; only then may the
        // take be sent again.
        const bytes = (route.request().postDataBuffer() || Buffer.alloc(0)).length;
        const wait = await page.evaluate(([n, before]) => {
          const c = window.RECORDER_CONFIG;
          return Math.min((15000 + n / 50) * 2 ** before,
                          (c.headerTimeout + c.requestTimeout) * 1000 + n * 8 / c.minUploadKbps + 15000);
        }, [bytes, stalled - 1]);
        const sent = uploadsAt.length, silentSent = stalled;
        (async () => {
          // The body all sent on (the page's try has its upload's load event, and so its wait's start once sent), not a
          // fixed 300 ms a loaded host could miss: the clock is moved on past that wait only then.
          for (const deadline = Date.now() + 30000; !finished && Date.now() < deadline;) {
            if (await page.evaluate(() => window.uploadsSent) >= silentSent) break;
            await new Promise((r) => setTimeout(r, 20));
          }
          // The page's clock is stopped 3 s before its wait ends (from the upload, by its clock), then moved on 250 ms
          // at a time until the recorder has answered a take list the page asked for (every 2 s; the jump, past an
          // ask's 10 s, gave up one on its way), and stopped a second before the end until then: the page takes it for
          // within reach by that answer. Left to flow, the clock ended the wait 0.7 s after the jump whatever came,
          // and on a loaded host the answer came later: the page said "Cannot reach the recorder". None comes on a
          // silent network.
          const since = uploadsAt[sent - 1], end = since + Math.round(wait) - 1000;
          let at = silentNetwork ? end : end - 2000;
          await page.clock.pauseAt(at);
          while (!silentNetwork && at < end && !await listAnsweredSince(page, since, 250, () => finished)) {
            at = Math.min(at + 250, end);
            await page.clock.pauseAt(at);
          }
          await page.clock.pauseAt(end);
          if (!silentNetwork) await listAnsweredSince(page, since, 30000, () => finished);
          // The uploads the page has given up by now, as the page counts them (it aborts one in the same task as it
          // gives it up): the requestfailed event, waited for a fixed 300 ms, could reach this script later on a
          // loaded host, and an upload given up too early then went unseen.
          givenUpEarly.push(await page.evaluate(() => window.uploadsAborted));
          await page.clock.resume();
          await page.clock.fastForward(1100);
          // Given up: the page's wait before it sends the take again (and, on a silent network, for its list ask)
          // goes by on its clock too, 500 ms a step, as a busy answer's does below; waited out, it took seconds.
          for (let step = 0; step < 600 && uploadsAt.length === sent && !finished; step++) {
            await new Promise((r) => setTimeout(r, 20));
            await page.clock.fastForward(500);
          }
        })().catch((error) => log.push(`clock: ${error.message}`));
        const { port } = unanswering.address();
        return route.continue({ url: route.request().url().replace(/\/\/[^/]+\//, `//127.0.0.1:${port}/`) });
      }
      if (busy < busyUploads) {
        busy += 1;
        const sent = uploadsAt.length;
        (async () => {  // the page's wait goes by on its clock, 500 ms a step, until the take is sent again
          // The answer read and the wait drawn (the take waiting, in the same task as its wait is set), and what the
          // page said then: a fixed 300 ms a loaded host could miss, the wait then drawn steps late by the clock.
          for (const deadline = Date.now() + 30000; !finished && Date.now() < deadline;) {
            const said = await page.evaluate(() => ([...local.values()].some((t) => t.state === "waiting")
              ? document.querySelector("#info").textContent : null));
            if (said !== null) { busyInfo.push(said); break; }
            await new Promise((r) => setTimeout(r, 20));
          }
          for (let step = 0; step < 600 && uploadsAt.length === sent && !finished; step++) {
            await page.clock.fastForward(500);
            await new Promise((r) => setTimeout(r, 20));
          }
        })().catch((error) => log.push(`clock: ${error.message}`));
        const headers = { ...busyAnswerHeaders };
        const after = process.env.PHONE_BUSY_RETRY_AFTER || "";
        const dated = /^date\+([0-9]+)$/.exec(after);  // "date+5": an HTTP date 5 s from the answer
        if (dated) headers["Retry-After"] = new Date(Date.now() + Number(dated[1]) * 1000).toUTCString();
        else if (after) headers["Retry-After"] = after;
        return route.fulfill({ status: 503, headers, body: JSON.stringify({ error: "too many phones at once" }) });
      }
      if (slowRetryMs && uploadsAt.length > 1) {  // a try after the first crawls: what the page says meanwhile
        await page.clock.fastForward(1100);
        setTimeout(async () => {
          duringSlowRetry.push({ info: await page.textContent("#info"),
                                 row: await page.textContent("#takes li .state") });
        }, slowRetryMs - 500);
        await new Promise((r) => setTimeout(r, slowRetryMs));
      }
      // Awaited, and caught: the page may have given the upload up (or closed) meanwhile, a slow retry's above most of
      // all; uncaught, its rejection failed the script (phone_runner.js's unhandledRejection), whatever the page did.
      await route.continue().catch((error) => log.push(`continue: ${error.message}`));
    });
    if (silentList) {
      page.on("response", (r) => {
        if (!isUpload(r.request()) || r.status() !== 201) return;
        listStalling = true;  // the page's asks for its list go unanswered for 1 s, then its clock moves on 10.5 s
        setTimeout(() => {
          listStalling = false;
          page.clock.fastForward(10500).catch((error) => log.push(`clock: ${error.message}`));
        }, 1000);
      });
    }
    const listPolls = [];  // when the page asked for its take list
    page.on("request", (r) => {
      if (r.method() === "GET" && r.url().includes("/api/takes")) listPolls.push(Date.now());
    });
    page.on("console", (m) => log.push(`console ${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => log.push(`page error: ${e.message}`));
    await page.addInitScript(() => {  // counts the uploads whose body the page has all sent (their upload's load)
      const send = XMLHttpRequest.prototype.send;
      window.uploadsSent = 0;
      window.uploadsAborted = 0;  // and those it gave up (aborted), for givenUpEarly
      window.uploadsSentAt = [];  // and when each went, by the page's clock
      window.saidAtSends = [];  // and what the page said then
      XMLHttpRequest.prototype.send = function (body) {
        window.uploadsSentAt.push(Date.now());
        window.saidAtSends.push({ info: document.querySelector("#info").textContent,
                                  row: (document.querySelector("#takes li .state") || {}).textContent });
        this.upload.addEventListener("load", () => { window.uploadsSent += 1; });
        this.addEventListener("abort", () => { window.uploadsAborted += 1; });
        return send.call(this, body);
      };
    });
    await page.addInitScript(() => {  // counts the page's openings of the microphone ("micOpens")
      const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      window.micOpens = 0;
      navigator.mediaDevices.getUserMedia = (wanted) => { window.micOpens += 1; return open(wanted); };
    });
    await page.goto(url);
    // The page's wait for a storage that never answers (keep.js, 3 s from its load) goes by on its clock before REC,
    // rather than held the take after STOP in real time: it is the page's own wait that gives up all the same.
    if (storageHangs) await page.clock.fastForward(3000);
    let micBeforeRec = null;
    if (name) await page.fill("#name", name);
    else {
      await microphoneRunning(page);
      micBeforeRec = await page.evaluate(() => document.body.dataset.microphone);
    }
    if (process.env.PHONE_MAX_SECONDS) {  // a page loaded before the patch restarted with a shorter max_seconds
      // Held against the recorder's take lists, which the page follows: as a take recorded before the page heard of
      // the shorter one (kept on the phone while the recorder was away) is.
      await page.evaluate((most) => { Object.defineProperty(config, "maxSeconds", { get: () => most, set: () => {} }); },
                          Number(process.env.PHONE_MAX_SECONDS));
    }
    if (process.env.PHONE_MIC_ENDED) {
      // The system ends the page's capture (iOS does when the page goes to the background, or a call takes the
      // microphone): the track the page opened is over before REC is tapped.
      await microphoneRunning(page);
      await page.evaluate(() => audio.stream.getAudioTracks().forEach((track) => track.stop()));
    }
    const shownName = await page.inputValue("#name");
    const micOpensBeforeRec = await page.evaluate(() => window.micOpens);
    if (process.env.PHONE_DOUBLE_TAP) {
      // A finger's double tap on REC. The second tap is the page's own, in the task that starts the take (the one
      // that turns the button to STOP): within the page's double-tap window whatever the load. Sent from here 150 ms
      // after the first, a loaded host could deliver it after the window, where it is a STOP.
      await page.evaluate(() => {
        const rec = document.querySelector("#rec");
        const started = new MutationObserver(() => {
          if (rec.textContent !== "STOP") return;
          started.disconnect();
          rec.click();
          window.afterSecondTap = rec.textContent;  // STOP still, or REC where the second tap stopped the take
        });
        started.observe(rec, { childList: true, characterData: true, subtree: true });
      });
    }
    await page.click("#rec");
    if (process.env.PHONE_DOUBLE_TAP) {
      await page.waitForFunction(() => window.afterSecondTap !== undefined, null, { timeout: 15000 });
      const after = await page.evaluate(() => window.afterSecondTap);
      if (after !== "STOP") throw new Error(`the double tap's second tap stopped the take: the button reads ${after}`);
    }
    await page.waitForFunction(() => document.querySelector("#rec").textContent === "STOP", null, { timeout: 15000 });
    const micOpensWhenRecording = await page.evaluate(() => window.micOpens);
    await page.waitForTimeout(Number(seconds) * 1000);
    await page.click("#rec");
    await page.waitForFunction(() => /^(Received|Refused)/.test(document.querySelector("#info").textContent),
                               null, { timeout: 30000 });
    const info = await page.textContent("#info");
    const receivedAt = Date.now();
    let endShown = false;
    if (!info.startsWith("Refused")) {  // a take refused has no end to wait for
      endShown = await page.waitForFunction(
        () => /^Received(: |, not used)/.test(document.querySelector("#info").textContent), null, { timeout: 10000 })
        .then(() => true, () => false);  // the take's end, once known
    }
    const endShownAfterMs = Date.now() - receivedAt;
    const pollsUntilEnd = listPolls.filter((t) => t >= receivedAt).length;
    // One more answer to the page's take list, and its rendering: what it shows then stays. Asked for now, by the
    // page's own refresh(), rather than waited for (the page asks every 2 s once the end is known: 1 s a test).
    // refresh() renders the list and the info line before it resolves: they are read at once, with no sleep.
    const nextList = page.waitForResponse((r) => r.request().method() === "GET" && r.url().includes("/api/takes"),
                                          { timeout: 5000 });
    await page.evaluate(() => refresh());  // resolves once the list is rendered
    await nextList;
    const rows = await page.$$eval("#takes li", (items) => items.map((li) => li.textContent));
    const rowClasses = await page.$$eval("#takes li", (items) => items.map((li) => li.className));
    const infoAfter = await page.textContent("#info");  // once the take's end is known
    const infoAfterIsError = await page.$eval("#info", (el) => el.classList.contains("error"));
    const infoAfterIsPartial = await page.$eval("#info", (el) => el.classList.contains("partial"));
    // What a screen reader finds: the live regions that announce the page's news, and the take list's name.
    const statusRegions = await page.getByRole("status").allTextContents();
    const takeListNames = await page.getByRole("list").evaluateAll((lists) => lists.map(
      (l) => l.getAttribute("aria-label") || (l.getAttribute("aria-labelledby") &&
        document.getElementById(l.getAttribute("aria-labelledby")).textContent) || ""));
    const tapHeights = await page.$$eval("button, input", (items) => Object.fromEntries(
      items.map((el) => [el.id, el.getBoundingClientRect().height])));  // CSS pixels, the phone's viewport
    let rowsAfterReload = null, keptAudio = null;
    if (process.env.PHONE_RELOAD) {  // the page reloaded: the take list it shows once its first list is in
      const firstList = page.waitForResponse((r) => r.request().method() === "GET" && r.url().includes("/api/takes"),
                                             { timeout: 10000 });
      await page.reload();
      await firstList;
      // Its answer read and rendered (page.js sets listAnsweredAt once it is): not a fixed 300 ms after it came.
      await page.waitForFunction(async () => (await import("/static/page.js")).state.listAnsweredAt > 0, null,
                                 { timeout: 10000 });
      rowsAfterReload = await page.$$eval("#takes li", (items) => items.map((li) => li.textContent));
      keptAudio = await page.evaluate(() => new Promise((resolve) => {  // takes whose audio the phone still keeps
        const open = indexedDB.open("exsampling-recorder");
        open.onsuccess = () => {
          const all = open.result.transaction("takes").objectStore("takes").getAll();
          all.onsuccess = () => resolve(all.result.filter((record) => record.wav).length);
        };
      }));
    }
    console.log(JSON.stringify({ info, rows, rowClasses, infoAfter, rowsAfterReload, keptAudio, infoAfterIsError, infoAfterIsPartial, statusRegions, takeListNames,
                                 tapHeights, log, shownName, micBeforeRec,
                                 micOpensBeforeRec, micOpensWhenRecording, endShown, endShownAfterMs, pollsUntilEnd,
                                 stalledLists,
                                 busyInfo, busyHeaders, givenUpEarly, givenUp, duringSlowRetry, atUploads,
                                 uploadsAtMs: uploadsAt.map((t) => t - uploadsAt[0]) }));
  } finally {
    finished = true;
    await browser.close();
    if (unanswering) { unanswering.closeAllConnections(); unanswering.close(); }
  }
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
