// The field recorder's page: raw PCM from an AudioWorklet, encoded as 16-bit WAV, uploaded with the
// take's own location. The take list merges local upload states with the status the patch reports.
"use strict";
const config = window.RECORDER_CONFIG;
const token = new URLSearchParams(location.search).get("token") || "";
const phoneKey = ownKey();  // this phone's own secret: the take list shows the takes sent with it only
const $ = (id) => document.getElementById(id);
const recButton = $("rec"), info = $("info"), nameInput = $("name"), list = $("takes");
const local = new Map();   // phone's take id -> {state, detail, startedAt, seconds, kept, repair, unplaced}
const KEEP_WAIT_MS = 3000;  // the longest a take waits for the phone's storage before it is sent all the same
const keeping = openKeep(); // the phone's store of takes not yet accepted (IndexedDB), or null where there is none
const UPLOAD_ANSWER_MS = 15000;  // an upload's answer, past the recorder's own deadline for it (uploadWaitMs)
const RETRY_STEP_MS = 1000, RETRY_MOST_STEPS = 5;  // a failed upload's next try: 1 s, 2 s ... 5 s, then every 5 s
const LIST_WAIT_MS = 10000;  // the longest an ask for the take list is waited on
const REFUSED_MOST = 50;  // the rows of takes refused for good kept on the phone (their audio is not)
const SENDING_NOTE_MS = 1000;  // a try in flight this long says so (a kept take's, a retry's)
const DOUBLE_TAP_MS = 400;  // a tap on STOP sooner than this after REC is the same finger's double tap
const RETRY_AFTER_MOST_MS = 300000;  // the longest a recorder's Retry-After is waited (a wrong clock asks for days)
const SLOW_TRIES = 3;  // tries of a take timed out while the recorder answered its list: the network is too slow for it
const WAITING = "kept, sent when the recorder answers";
const UNPAIRED = "The recorder's pairing changed: scan its new QR code (or open its new link) on this phone before "
  + "recording.";
const UNPAIRED_KEPT = "The recorder's pairing changed: scan its new QR code to send the takes kept here.";
const WAITING_IN_PAGE = "kept in this page only (a reload loses it), sent when the recorder answers";
let serverTakes = [];
let announced = null;      // the take whose end the info line told
let unpaired = false;      // the recorder refused this page's token: said once, until it takes it again
let listAnsweredAt = 0;    // when the recorder last answered the take list (Date.now()): it is within reach
let audio = null;          // {context, stream, node}
let recording = null;      // {chunks, frames, id, startedAt, position, timer}

let micOpening = null;      // the promise of `audio` while the microphone opens
let wire = Promise.resolve();  // the end of the last upload's turn on the network (onTheWire)

$("max").textContent = config.maxSeconds;
const madeUpName = makeUpName(phoneKey);  // REC works at once; the phone may type its own name instead
nameInput.value = cleanName(stored("exsampling-recorder-name")) || madeUpName;
nameInput.addEventListener("change", () => {
  nameInput.value = cleanName(nameInput.value) || madeUpName;  // shown as the takes will carry it
  store("exsampling-recorder-name", nameInput.value);
});

function cleanName(text) {
  // The name as the recorder takes it (letters and digits of any script with their marks, spaces and . ' @ ( ) + -,
  // at most 40): a take is never refused, and dropped, for the name typed. "Zoë & Ana" becomes "Zoë Ana".
  const kept = String(text || "").normalize("NFC").replace(/[^\p{L}\p{N}\p{M}_ .'@()+-]+/gu, " ")
    .replace(/\s+/g, " ").replace(/^[^\p{L}\p{N}_]+/u, "");
  return [...kept].slice(0, 40).join("").trim();
}

function stored(key) { try { return localStorage.getItem(key); } catch (error) { return null; } }
function store(key, value) { try { localStorage.setItem(key, value); } catch (error) { /* private browsing */ } }

function makeUpName(key) {
  // The same made-up name on this phone every time (it is drawn from the phone's own key): "Amber Heron 42".
  const colours = ["Amber", "Blue", "Coral", "Green", "Indigo", "Jade", "Lime", "Olive", "Orange", "Ruby", "Silver", "Teal"];
  const animals = ["Badger", "Crane", "Finch", "Fox", "Hare", "Heron", "Lynx", "Otter", "Owl", "Robin", "Seal", "Wren"];
  const n = parseInt(key.slice(0, 8), 16) || 0;
  return `${colours[n % colours.length]} ${animals[Math.floor(n / 16) % animals.length]} ${Math.floor(n / 256) % 90 + 10}`;
}

function ownKey() {
  // Made once and kept on the phone; the recorder keeps only its digest. Private browsing may refuse
  // storage: the key then lasts as long as the page.
  const made = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  try {
    let key = localStorage.getItem("exsampling-phone-key");
    if (!/^[0-9a-f]{32}$/.test(key || "")) { key = made(); localStorage.setItem("exsampling-phone-key", key); }
    return key;
  } catch (error) { return made(); }
}

function openKeep() {
  // Every take not yet accepted lives here, its WAV and what its upload says, from STOP until the recorder takes
  // it: a reload, a tab the phone killed during an outage or a re-pairing loses none. Private browsing may have
  // no IndexedDB: the takes are then kept in the page only, as long as it stays open. So are they where it does not
  // answer (iOS Safari 14 could leave an open unanswered for ever): a take waits for its keeping before it is sent.
  return new Promise((resolve) => {
    setTimeout(() => resolve(null), KEEP_WAIT_MS);
    try {
      const request = indexedDB.open("exsampling-recorder", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("takes", { keyPath: "id" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
      request.onblocked = () => resolve(null);
    } catch (error) { resolve(null); }
  });
}

async function kept(action) {
  // action(store) in a transaction; resolves with its request's result once written, undefined if it could not be.
  const db = await keeping;
  if (!db) return undefined;
  return new Promise((resolve) => {
    setTimeout(() => resolve(undefined), KEEP_WAIT_MS);  // a transaction never answered: not kept
    try {
      const tx = db.transaction("takes", "readwrite");
      const request = action(tx.objectStore("takes"));
      tx.oncomplete = () => resolve(request.result === undefined ? true : request.result);
      tx.onerror = tx.onabort = () => resolve(undefined);
    } catch (error) { resolve(undefined); }
  });
}

async function keep(record) {
  if (await kept((takes) => takes.put(record)) !== undefined && local.has(record.id)) local.get(record.id).kept = true;
}

function forget(id) { kept((takes) => takes.delete(id)); }

function keepRefusal(take, detail) {
  // A take refused for good: its audio leaves the phone's storage (sending it again cannot help), its row stays, with
  // why, so that a reload does not make it vanish as if it had been lost unseen.
  kept((takes) => takes.put({ id: take.id, startedAt: take.startedAt, seconds: take.seconds, refused: detail }));
}

async function sendKept() {
  // Takes kept by an earlier page (reloaded, closed, opened again with a new token) are sent again, with their
  // own X-Take-Id: one the recorder had already stored is answered as its duplicate, not stored twice. So are, once
  // the recorder takes this page's token again, the takes it refused for the pairing.
  const records = (await kept((takes) => takes.getAll())) || [];
  const refused = records.filter((r) => r.refused !== undefined).sort((a, b) => b.startedAt - a.startedAt);
  for (const old of refused.slice(REFUSED_MOST)) forget(old.id);
  const shown = new Set(refused.slice(0, REFUSED_MOST));
  for (const record of records) {
    const mine = local.get(record.id);
    if (mine && !mine.repair) continue;  // recorded by this page meanwhile: on its way already
    if (shown.has(record)) {
      local.set(record.id, { state: "failed", detail: record.refused, startedAt: record.startedAt,
                             seconds: record.seconds });
    }
    if (!record.wav) continue;
    local.set(record.id, { state: "waiting", detail: WAITING, startedAt: record.startedAt, seconds: record.seconds,
                           kept: true, phoneKey: record.phoneKey || phoneKey });
    upload(record, Promise.resolve(record.where || { error: "the page closed before the location was known" }));
  }
  if (records.length) render();
}

function say(text, error = false) { info.textContent = text; info.classList.toggle("error", error); }

async function openMicrophone() {
  if (!navigator.mediaDevices || !window.AudioWorkletNode) {
    throw new Error("this browser cannot record here (it needs https and a recent browser)");
  }
  const stream = await navigator.mediaDevices.getUserMedia({ audio: {
    echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 } });
  const context = new AudioContext();
  await context.audioWorklet.addModule("/static/pcm-worklet.js");
  const source = context.createMediaStreamSource(stream);
  const node = new AudioWorkletNode(context, "pcm-capture");
  const unlit = $("meter").firstElementChild;  // covers the scale from the right, down to the level
  node.port.onmessage = ({ data }) => {
    unlit.style.width = (100 - Math.min(100, 100 * Math.sqrt(data.peak))) + "%";
    if (recording) {
      recording.chunks.push(data.samples);
      recording.frames += data.samples.length;
      const seconds = recording.frames / context.sampleRate;
      if (seconds >= config.maxSeconds) stop(`Stopped at ${config.maxSeconds} s, the longest take: sending…`);
      else if (Math.floor(seconds * 10) !== recording.tenths) {  // the time recorded, so the end comes as no surprise
        recording.tenths = Math.floor(seconds * 10);
        say(`Recording ${seconds.toFixed(1)} s of ${config.maxSeconds} s… tap STOP when done.`);
      }
    }
  };
  source.connect(node);
  // A muted sink keeps the graph pulled on browsers that only render what reaches the destination.
  const mute = context.createGain(); mute.gain.value = 0; node.connect(mute).connect(context.destination);
  return { context, stream, node };
}

function letGoOfEndedMicrophone() {
  // The system may end the page's capture (iOS does when the page goes to the background, or a call takes the
  // microphone): the ended track gives silence for ever, and every take would be "silent". It is let go, so that the
  // next opening asks the system for the microphone afresh.
  if (!audio || audio.stream.getAudioTracks().some((track) => track.readyState === "live")) return;
  const ended = audio;
  audio = null; micOpening = null;
  ended.node.port.onmessage = null;
  ended.context.close().catch(() => {});
}

function ensureMicrophone() {
  if (!micOpening) {
    micOpening = openMicrophone().then((opened) => { audio = opened; return opened; })
      .catch((error) => { micOpening = null; throw error; });
  }
  return micOpening;
}

async function warmUp() {
  // The microphone opens before the first REC (on load, or on the first tap of anything where the browser
  // waits for a gesture to start audio), so that no take loses its start to the opening.
  try {
    const opened = await ensureMicrophone();
    if (opened.context.state !== "running") await opened.context.resume();
    document.body.dataset.microphone = opened.context.state;  // "running" once it records
    if (opened.context.state === "running") {
      for (const kind of GESTURES) document.removeEventListener(kind, warmUp, true);
    }
  } catch (error) {
    // The microphone refused or missing is said at once, not after a take the performer thought was recording.
    document.body.dataset.microphone = "failed";
    if (!recording) say(microphoneTrouble(error), true);
  }
}

function microphoneTrouble(error) {
  // What the performer can do about a microphone that does not open: the browser's own words ("Permission denied")
  // say neither where to allow it nor that the page must be reloaded after.
  const name = error && error.name;
  if (name === "NotAllowedError" || name === "SecurityError") {
    return "The microphone is blocked for this page: allow it in the browser's settings for this site "
      + "(the icon beside the address), then reload the page.";
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") return "No microphone found on this device.";
  if (name === "NotReadableError" || name === "AbortError") {
    return "The microphone is busy (a call, another app recording): close that, then tap REC again.";
  }
  return "Microphone: " + ((error && error.message) || String(error));
}

function whereNow() {
  // A fresh fix for every take (maximumAge 0), never one cached from the page load.
  return new Promise((resolve) => {
    if (!navigator.geolocation) { resolve({ error: "no geolocation in this browser" }); return; }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy }),
      (e) => resolve({ error: e.message || "location refused" }),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
  });
}

async function start() {
  const name = cleanName(nameInput.value) || madeUpName;
  nameInput.value = name;
  store("exsampling-recorder-name", name);
  try {
    letGoOfEndedMicrophone();
    await ensureMicrophone();
    await audio.context.resume();
  } catch (error) { say(microphoneTrouble(error), true); return; }
  const id = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/-/g, "").slice(0, 24);
  recording = { chunks: [], frames: 0, tenths: -1, id, name, startedAt: Date.now(), position: whereNow() };
  recButton.textContent = "STOP"; recButton.classList.add("recording");
  say("Recording… tap STOP when done.");
}

function stop(why = "Sending…") {
  if (!recording) return;
  const take = recording; recording = null;
  recButton.textContent = "REC"; recButton.classList.remove("recording");
  const seconds = take.frames / audio.context.sampleRate;
  const record = { id: take.id, name: take.name, phoneKey, startedAt: take.startedAt, seconds, where: null,
                   wav: encodeWav(take.chunks, take.frames, audio.context.sampleRate) };
  local.set(take.id, { state: "uploading", startedAt: take.startedAt, seconds });
  const stored = keep(record);  // before the first try: nothing recorded waits in the page's memory only
  render();
  say(why);
  upload(record, take.position, stored);
}

function encodeWav(chunks, frames, rate) {
  const buffer = new ArrayBuffer(44 + frames * 2), view = new DataView(buffer);
  const text = (at, s) => { for (let i = 0; i < s.length; i++) view.setUint8(at + i, s.charCodeAt(i)); };
  text(0, "RIFF"); view.setUint32(4, 36 + frames * 2, true); text(8, "WAVE"); text(12, "fmt ");
  view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, rate, true); view.setUint32(28, rate * 2, true); view.setUint16(32, 2, true);
  view.setUint16(34, 16, true); text(36, "data"); view.setUint32(40, frames * 2, true);
  let at = 44, left = frames;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length && left > 0; i++, left--, at += 2) {
      const s = Math.max(-1, Math.min(1, chunk[i]));
      view.setInt16(at, s < 0 ? s * 32768 : s * 32767, true);
    }
  }
  return buffer;
}

function onTheWire() {
  // One upload on the network at a time: resolves, once the uploads before this one have had their turn, with the
  // function that ends this one's. Sent together (the takes kept through an outage, a take recorded while the last one
  // was still sending), they shared a slow link, each too slowly for its own wait and the recorder's pace (its 408):
  // every try of every take was cut, and they were all sent again together, for ever, where one after the other each
  // would have gone through.
  let done;
  const mine = new Promise((resolve) => { done = resolve; });
  const turn = wire.then(() => done);
  wire = wire.then(() => mine);
  return turn;
}

async function upload(take, position, stored = Promise.resolve()) {
  // take: the kept record {id, name, phoneKey, startedAt, seconds, where, wav}.
  await stored;  // kept on the phone before it is sent: an answer never comes before the take is safe
  const where = await position;
  if (!take.where) { take.where = where; keep(take); }  // known now: kept with it (after the first put)
  // Text headers go percent-encoded (UTF-8): a browser refuses to send a header holding a character outside Latin-1
  // ("Łucja", a location error in the phone's language), and the take was then never sent.
  const headers = { "Content-Type": "audio/wav", "X-Token": token, "X-Phone-Key": take.phoneKey || phoneKey,
                    "X-Recorder": encodeURIComponent(cleanName(take.name) || madeUpName), "X-Take-Id": take.id,
                    "X-Recorded-At": String(take.startedAt) };
  if (where.error === undefined) {
    headers["X-Latitude"] = String(where.latitude); headers["X-Longitude"] = String(where.longitude);
    headers["X-Accuracy"] = String(where.accuracy);
  } else headers["X-Location-Error"] = encodeURIComponent(String(where.error).slice(0, 200));
  // A network drop or the recorder away (the patch restarting) never loses the take: it stays on the phone and
  // is sent again until the recorder answers; the same X-Take-Id makes every retry safe. So is a 408 (too slow),
  // a 409 (an earlier try still being stored) and a 5xx (a full disk, a failure the recorder may get over).
  let slowTries = 0;  // tries that ran out of time (the page's own wait, the recorder's 408) while it answered
  for (let attempt = 1; ; attempt++) {
    const done = await onTheWire();
    const triedAt = Date.now();
    // A connection that went silent (the phone walked out of the Wi-Fi's range: no reset ever comes) is given up
    // and tried again, rather than waited on for the minutes a phone's network takes to notice: once the recorder
    // itself no longer waits for it.
    const silent = new AbortController();
    const timer = setTimeout(() => silent.abort(), uploadWaitMs(take.wav.byteLength));
    // A try that takes a while (a slow network) says it is sending: the last try's "cannot reach the recorder" stood
    // for the whole upload. Not at once: during an outage each try fails within milliseconds, and the line would
    // flicker.
    const sendingNote = local.get(take.id).state === "uploading" ? null : setTimeout(() => {
      update(take.id, { state: "uploading", detail: `sending again (try ${attempt})` });
      render();
      tell(`Sending the take again (try ${attempt})…`);
    }, SENDING_NOTE_MS);
    let reply = null;
    try {
      reply = await fetch("/api/takes", { method: "POST", headers, body: take.wav, signal: silent.signal });
    } catch (error) { /* below */ }
    clearTimeout(sendingNote);
    // Out of time with the recorder within reach (its 408, or its take list answered meanwhile): the network carries
    // the take, too slowly for it. Said as "Cannot reach the recorder", the performer waited for ever on the wrong
    // cause, and went on recording takes as long.
    const outOfTime = reply ? reply.status === 408 : silent.signal.aborted && listAnsweredAt >= triedAt;
    if (outOfTime) slowTries += 1;
    const again = reply && (reply.status === 408 || reply.status === 409 || reply.status === 429 || reply.status >= 500);
    const data = reply ? await reply.json().catch(() => ({ error: "HTTP " + reply.status })) : null;
    clearTimeout(timer);
    done();  // the answer read: the next take's turn
    if (reply && reply.ok) {
      forget(take.id);
      const unplaced = where.error === undefined ? "" : ` (without location: ${where.error})`;
      update(take.id, { state: "received", detail: "", serverId: data.take_id, receivedAt: Date.now(), unplaced });
      tell(`Received${unplaced}. Tap REC for another.`);
      render(); refresh(); return;
    }
    if (reply && reply.status === 401) {
      // The recorder's token changed (rotate_token): only a page opened with the new one can send the take.
      update(take.id, { state: "waiting", repair: true, detail: local.get(take.id).kept
        ? "refused, the recorder's pairing changed: kept, sent once you scan its new QR code"
        : "refused, the recorder's pairing changed, and this browser keeps no takes across pages (private browsing)" });
      unpaired = true;  // said, with the takes kept: the take list's next ask does not say it again
      tell(UNPAIRED_KEPT, true);
      render(); return;
    }
    if (reply && !again) {
      keepRefusal(take, data.error + " (not kept)");
      update(take.id, { state: "failed", detail: data.error + " (not kept)" });
      tell("Refused: " + data.error, true);
      render(); refresh(); return;
    }
    const tooSlow = outOfTime && slowTries >= SLOW_TRIES;
    const size = `${(take.wav.byteLength / 1e6).toFixed(1)} MB`
      + (typeof take.seconds === "number" ? `, ${take.seconds.toFixed(1)} s` : "");
    // Without the phone's storage (private browsing, a full disk) the take lives as long as this page: say so.
    const keptHow = local.get(take.id).kept ? WAITING : WAITING_IN_PAGE;
    update(take.id, { state: "waiting",
                      detail: tooSlow ? `the network is too slow for it (${size}): ${keptHow}` : keptHow });
    render();
    // A busy recorder (429, 503) may say when to come back (Retry-After): the take waits that long, never less.
    const asked = reply && (reply.status === 429 || reply.status === 503)
      ? retryAfterMs(reply.headers.get("Retry-After")) : null;
    const delay = asked === null ? retryDelay(attempt) : retryAfterDelay(asked);
    if (asked !== null) {
      tell(`The recorder is busy (${data.error}): the take is kept and sent again in ${Math.ceil(delay / 1000)} s, `
           + `as it asked (try ${attempt}).`, true);
    } else if (tooSlow) {
      tell(`The network is too slow for this take (${size}): it is kept on this phone and sent again (try ${attempt}). `
           + "Move closer to the Wi-Fi, or record shorter takes.", true);
    } else if (reply) tell(`The recorder could not take it yet (${data.error}): the take is kept and sent again (try ${attempt}).`, true);
    else if (outOfTime) {
      // Its list answered meanwhile: the recorder is within reach, only this upload went unanswered.
      tell(`The recorder answers, but this take went unanswered: it is kept and sent again (try ${attempt}).`,
           true);
    } else tell(`Cannot reach the recorder: the take is kept on this phone and sent when it answers (try ${attempt}).`, true);
    await new Promise((r) => setTimeout(r, delay));
  }
}

function uploadWaitMs(bytes) {
  // How long a try of an upload of `bytes` is waited on: as long as the recorder itself waits for it (its settings,
  // config): header_timeout to show the token, then the body may fall request_timeout behind min_upload_kbps
  // (web_recorder/door.py); then 15 s to store it and answer. The page's own wait (15 s and 50 kB/s, times the try
  // up to 4) gave up on uploads the recorder still took: with a slower min_upload_kbps, every try of a take on a
  // network the recorder waited for; by default, the slowest steady ones 60 s before the recorder would.
  return (config.headerTimeout + config.requestTimeout) * 1000 + bytes * 8 / config.minUploadKbps + UPLOAD_ANSWER_MS;
}

function retryAfterMs(value, now = Date.now()) {
  // A Retry-After header's wait in ms: delay-seconds ("120") or an HTTP date ("Fri, 04 Dec 2026 18:00:00 GMT");
  // null when there is none or it cannot be read (the page's own schedule then applies). At most 5 minutes.
  const text = String(value || "").trim();
  if (!text) return null;
  let ms;
  if (/^[0-9]+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return null;
    ms = at - now;
  }
  return Math.min(Math.max(ms, 0), RETRY_AFTER_MOST_MS);
}

function retryAfterDelay(asked, random = Math.random) {
  // The recorder's wait, never less, plus up to half of it again (at least a second's worth): the phones it turned
  // away together, told the same wait, do not all come back in the same instant.
  return asked + Math.max(asked, 2 * RETRY_STEP_MS) * 0.5 * random();
}

function retryDelay(attempt, random = Math.random) {
  // How long a take waits after its attempt-th try failed before it is sent again: 1 s, 2 s ... 5 s on average, each
  // wait drawn anywhere from half to one and a half of that. The phones that lost the recorder together (a restart,
  // the Wi-Fi down) failed together: on a fixed schedule they all sent again at the same moments, every 5 s, each
  // time the whole crowd at once on a recorder just back.
  return RETRY_STEP_MS * Math.min(attempt, RETRY_MOST_STEPS) * (0.5 + random());
}

function update(id, changes) {
  // A take's entry in the page's list, with the fields in changes replaced.
  local.set(id, { ...local.get(id), ...changes });
}

function tell(text, error = false) {
  // An upload's news never covers "Recording…": the take list shows it.
  if (!recording) say(text, error);
}

async function refresh() {
  // An ask lost on a network gone silent (no error ever comes) is given up: poll() waits on it, and no take's end
  // reached the phone for the minutes its network takes to notice.
  const silent = new AbortController();
  const timer = setTimeout(() => silent.abort(), LIST_WAIT_MS);
  try {
    // A take kept by an earlier page is sent with the key that page had (a private tab's lasts as long as its page),
    // and the recorder lists it under that key only: asked with this page's alone, its end never came.
    const keys = [phoneKey];
    for (const t of local.values()) if (t.phoneKey && !keys.includes(t.phoneKey)) keys.push(t.phoneKey);
    const replies = await Promise.all(keys.map((key) => fetch("/api/takes", {
      headers: { "X-Token": token, "X-Phone-Key": key }, signal: silent.signal })));
    if (replies.every((reply) => reply.ok)) {
      const answers = await Promise.all(replies.map((reply) => reply.json()));
      follow(answers[0].config);
      serverTakes = answers.flatMap((answer) => answer.takes); render(); announce();
      listAnsweredAt = Date.now();
      // Whichever said the pairing changed (the list's ask, a take refused) no longer stands: the performer would
      // go on scanning for a new QR code that is not coming.
      if (unpaired && [UNPAIRED, UNPAIRED_KEPT].includes(info.textContent)) {
        say("Paired again: tap REC to record a sound.");
      }
      // A take refused for the pairing waited for a page opened with a new link: this one is taken again.
      if (unpaired) sendKept();
      unpaired = false;
    } else if (replies[0].status === 401 && !unpaired) {
      // The recorder restarted with a new token (rotate_token): said now, not only once a take is recorded and refused.
      unpaired = true;
      tell(UNPAIRED, true);
    }
  } catch (error) { /* offline for a moment: keep the last list */ }
  clearTimeout(timer);
}

function follow(settings) {
  // The recorder's settings as it runs now, not as it ran when the page loaded: a patch restarted with a shorter
  // max_seconds (a live edit) refused as too long every take this page stopped at the old one.
  if (settings && typeof settings.maxSeconds === "number" && settings.maxSeconds > 0) {
    config.maxSeconds = settings.maxSeconds;
    const shown = $("max");  // in the first info line only: gone once the page said anything else
    if (shown) shown.textContent = config.maxSeconds;
  }
  // So is how long the recorder waits for an upload (uploadWaitMs).
  for (const name of ["headerTimeout", "requestTimeout", "minUploadKbps"]) {
    if (settings && typeof settings[name] === "number" && settings[name] > 0) config[name] = settings[name];
  }
}

function unused(t) {
  // The take ended without reaching a slot: rejected, dropped ("silent"), skipped (its slot locked), an error.
  return Boolean(t.fate) && t.fate !== "slot" && t.fate !== "done";
}

function announce() {
  // The info line tells the end of the newest take sent from this page once it is known, once: the performer
  // sees at a glance whether to record it again, without reading the list.
  let newest = null;
  for (const [id, t] of local) if (!newest || t.startedAt > newest.startedAt) newest = { id, ...t };
  if (!newest || newest.state !== "received" || newest.id === announced) return;  // a newer one is on its way
  const row = serverTakes.find((t) => t.client_take_id === newest.id);
  if (!row || !row.fate) return;
  announced = newest.id;
  // The take's end joins what was said at its receipt, never hides it: a take without location stays told so.
  const unplaced = newest.unplaced || "";
  const end = endInWords(row.end || row.fate) + unsaved(row);
  if (unused(row)) tell(`Received, not used: ${end}${unplaced}. Tap REC to try again.`, true);
  else tell(`Received: ${describe(row)}${unsaved(row)}${unplaced}. Tap REC for another.`, Boolean(row.not_loaded));
}

function unsaved(t) {
  // The recorder could not save the take's row for after its restart (its disk full): the list may then lose it.
  return t.unsaved ? ` (${t.unsaved})` : "";
}

function words(label) {
  // The model's labels are identifiers ("hihat_closed"): shown as words, "hihat closed".
  return String(label).replace(/_/g, " ");
}

function endInWords(end) {
  // The gate names the label it was not sure of as its identifier ("rejected: not sure (glass_breaking 31%)"): that
  // label in words; the rest as it is (a slot's name "HH 31%" after it, a node's or a file's name in an error).
  return String(end).replace(/(not sure \()([^,()]+?)( \d+(?:\.\d+)?%)/,
                             (_, head, label, sure) => head + words(label) + sure);
}

function describe(t) {
  // A take that ended without a slot says why: "rejected: not sure (dog 31%)", "silent", "error in trim: ...".
  if (unused(t) && t.end) return endInWords(t.end);
  const parts = [];
  const sure = t.confidence != null ? ` ${Math.round(t.confidence * 100)}%` : "";
  if (t.label) parts.push(words(t.label) + sure);
  // An output that did not load it (Live silent, no such slot) is said after its slot: it reached no instrument there.
  if (t.slot) parts.push("→ " + t.slot + (t.not_loaded ? ", " + t.not_loaded : ""));
  else if (t.reason) parts.push(endInWords(t.reason));
  if (!parts.length) parts.push(t.end || t.status || "received");
  return parts.join(" ");
}

function render() {
  const rows = [];
  const known = new Set(serverTakes.map((t) => t.client_take_id));
  for (const [id, t] of local) {
    if (known.has(id) && t.state !== "failed") continue;
    // A kept take may have no length (an older page's record): its row is shown without one, and so are the rest.
    const what = typeof t.seconds === "number" ? `${t.seconds.toFixed(1)} s` : "";
    rows.push({ time: t.startedAt, what, state: t.state + (t.detail ? ": " + t.detail : ""),
                failed: t.state === "failed" });
  }
  for (const t of serverTakes) {
    // A row may have no length (a take made known again from a sidecar without one): the rest of it is shown.
    const what = [typeof t.duration === "number" ? `${t.duration.toFixed(1)} s` : "", t.location ? "" : "no location"];
    // A row may have no time (a sidecar without one, a row an earlier run saved so): none is shown, not 1970's.
    const time = typeof t.recorded_at === "number" ? t.recorded_at * 1000 : null;
    rows.push({ time, what: what.filter(Boolean).join(" · "),
                state: describe(t) + unsaved(t), failed: unused(t) || Boolean(t.not_loaded) });
  }
  const at = (r) => (typeof r.time === "number" ? r.time : -1);
  rows.sort((a, b) => at(b) - at(a));  // newest first, those without a time last
  list.replaceChildren(...rows.map((r) => {
    const li = document.createElement("li"); if (r.failed) li.className = "failed";
    const left = document.createElement("span");
    const shown = typeof r.time === "number" ? new Date(r.time).toLocaleTimeString() : "";
    left.innerHTML = `${shown} <span class="what"></span>`;
    left.querySelector(".what").textContent = r.what;
    const right = document.createElement("span"); right.className = "state"; right.textContent = r.state;
    li.append(left, right); return li;
  }));
}

const GESTURES = ["pointerdown", "touchstart", "keydown"];
for (const kind of GESTURES) document.addEventListener(kind, warmUp, { capture: true, passive: true });
warmUp();
let starting = false;  // REC tapped, the microphone being made ready: a second tap starts no second take
recButton.addEventListener("click", () => {
  if (recording) {
    // A double tap's second tap is not STOP: it sent a blip that took the place of the sound its slot held.
    if (Date.now() - recording.startedAt >= DOUBLE_TAP_MS) stop();
    return;
  }
  if (starting) return;
  starting = true;
  start().finally(() => { starting = false; });
});
window.addEventListener("beforeunload", (event) => {
  // Leaving now (a reload, another page) may lose what waits: ask first. A take kept on the phone for a
  // re-pairing is not asked about: opening the new link is how it gets sent.
  const waiting = [...local.values()].some((t) => (t.state === "uploading" || t.state === "waiting") &&
                                                  !(t.repair && t.kept));
  if (recording || waiting) { event.preventDefault(); event.returnValue = ""; }
});
sendKept();
function awaitingEnd() {
  // A take received in the last 30 s whose end (slot, rejected, ...) the list does not tell yet.
  for (const [id, t] of local) {
    if (t.state !== "received" || Date.now() - t.receivedAt > 30000) continue;
    const row = serverTakes.find((s) => s.client_take_id === id);
    if (!row || !row.fate) return true;
  }
  return false;
}

async function poll() {
  // Often while a take's end is awaited (the performer waits for its slot: within a second), else every 2 s.
  await refresh();
  setTimeout(poll, awaitingEnd() ? 250 : 2000);
}
poll();
