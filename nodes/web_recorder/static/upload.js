// A take's way to the recorder: one upload on the network at a time, each try waited on while it moves, up to as long
// as the recorder waits for it, sent again (kept on the phone) until the recorder takes it or refuses it for good.
import { UNPAIRED_KEPT, cleanName, config, local, madeUpName, phoneKey, state, tell, token, update } from "./page.js";
import { forget, keep, keepRefusal, kept } from "./keep.js";
import { listed, refresh, render } from "./takes.js";

const UPLOAD_ANSWER_MS = 15000;  // an upload's answer, past the recorder's own deadline for it (uploadWaitMs)
const NO_PROGRESS_MS = 15000;  // a try whose body has not moved this long is given up (a connection gone silent)
const SILENT_WAIT_MS = 15000, SILENT_BYTES_PER_MS = 50;  // a first try's answer, once its body is sent: 15 s, 50 kB/s
const RETRY_STEP_MS = 1000, RETRY_MOST_STEPS = 5;  // a failed upload's next try: 1 s, 2 s ... 5 s, then every 5 s
const REFUSED_MOST = 50;  // the rows of takes refused for good kept on the phone (their audio is not)
const SENDING_NOTE_MS = 1000;  // a try in flight this long says so (a kept take's, a retry's)
const RETRY_AFTER_MOST_MS = 300000;  // the longest a recorder's Retry-After is waited (a wrong clock asks for days)
const SLOW_TRIES = 3;  // tries of a take timed out while the recorder answered its list: the network is too slow for it
const WAITING = "kept, sent when the recorder answers";
const WAITING_IN_PAGE = "kept in this page only (a reload loses it), sent when the recorder answers";
let wire = Promise.resolve();  // the end of the last upload's turn on the network (onTheWire)
let onWire = 0;  // uploads having their turn on the network or waiting for it
const TURN_WAIT = "waiting its turn (the take before it is still sending)";

export async function sendKept() {
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

function onTheWire() {
  // One upload on the network at a time: resolves, once the uploads before this one have had their turn, with the
  // function that ends this one's. Sent together (the takes kept through an outage, a take recorded while the last one
  // was still sending), they shared a slow link, each too slowly for its own wait and the recorder's pace (its 408):
  // every try of every take was cut, and they were all sent again together, for ever, where one after the other each
  // would have gone through.
  let done;
  const mine = new Promise((resolve) => { done = resolve; });
  onWire += 1;
  const turn = wire.then(() => () => { onWire -= 1; done(); });
  wire = wire.then(() => mine);
  return turn;
}

export async function upload(take, position, stored = Promise.resolve()) {
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
  let slowTries = 0;  // tries that ran out of time (their answer's wait, the recorder's 408) while it answered
  let givenUpTries = 0;  // tries the page gave up (answerWaitMs): a failure at once or an answer does not count
  for (let attempt = 1; ; attempt++) {
    // A new take behind another says it waits: "uploading" alone stood for as long as the take before it took to
    // cross a slow network (18 s in a show), the take not sent yet.
    const queued = onWire > 0 && local.get(take.id).state === "uploading" && !local.get(take.id).detail;
    if (queued) { update(take.id, { detail: TURN_WAIT }); render(); }
    const done = await onTheWire();
    if (queued && local.get(take.id).detail === TURN_WAIT) { update(take.id, { detail: "" }); render(); }
    const triedAt = Date.now();
    // A try that takes a while (a slow network) says it is sending: the last try's "cannot reach the recorder" stood
    // for the whole upload. Not at once: during an outage each try fails within milliseconds, and the line would
    // flicker.
    const sendingNote = local.get(take.id).state === "uploading" ? null : setTimeout(() => {
      update(take.id, { state: "uploading", detail: `sending again (try ${attempt})` });
      render();
      tell(`Sending the take again ${tryOf(take, attempt)}…`);
    }, SENDING_NOTE_MS);
    const { reply, givenUp } = await send(headers, take.wav, givenUpTries);
    clearTimeout(sendingNote);
    if (givenUp !== null) givenUpTries += 1;
    // Given up with the recorder within reach (its take list answered meanwhile): only this upload went unanswered.
    // Out of time so (its body sent, its answer not come in the wait for it; or the recorder's 408): the network
    // carries the take, too slowly for it. A try that stopped moving ("silent") is stuck, not slow.
    // Said as "Cannot reach the recorder", the performer waited for ever on the wrong cause, and went on recording
    // takes as long.
    const unanswered = givenUp !== null && state.listAnsweredAt >= triedAt;
    const outOfTime = reply ? reply.status === 408 : unanswered && givenUp !== "silent";
    if (outOfTime) slowTries += 1;
    const again = reply && (reply.status === 408 || reply.status === 409 || reply.status === 429 || reply.status >= 500);
    const data = reply ? await reply.json().catch(() => ({ error: "HTTP " + reply.status })) : null;
    done();  // the answer read: the next take's turn
    if (reply && reply.ok) { received(take, where, data.take_id); return; }
    if (reply && reply.status === 401) {
      // The recorder's token changed (rotate_token): only a page opened with the new one can send the take.
      update(take.id, { state: "waiting", repair: true, detail: local.get(take.id).kept
        ? "refused, the recorder's pairing changed: kept, sent once you scan its new QR code"
        : "refused, the recorder's pairing changed, and this browser keeps no takes across pages (private browsing)" });
      state.unpaired = true;  // said, with the takes kept: the take list's next ask does not say it again
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
           + `as it asked ${tryOf(take, attempt)}.`, true);
    } else if (tooSlow) {
      tell(`The network is too slow for this take (${size}): it is kept on this phone and sent again `
           + `${tryOf(take, attempt)}. Move closer to the Wi-Fi, or record shorter takes.`, true);
    } else if (reply) {
      tell(`The recorder could not take it yet (${data.error}): the take is kept and sent again `
           + `${tryOf(take, attempt)}.`, true);
    } else if (unanswered) {
      // Its list answered meanwhile: the recorder is within reach, only this upload went unanswered.
      tell(`The recorder answers, but this take went unanswered: it is kept and sent again ${tryOf(take, attempt)}.`,
           true);
    } else {
      tell(`Cannot reach the recorder: the take is kept on this phone and sent when it answers `
           + `${tryOf(take, attempt)}.`, true);
    }
    // A try whose answer was lost (the connection cut once the recorder had stored it) left the take in the
    // recorder's list: it is received. Sent again, the whole take crossed the poor network a second time, the takes
    // after it waiting their turn, for the recorder to answer that it had it already. (No upload progress tells
    // whether the body went: a small take's is all in the phone's socket buffer at once.) The list is asked now; left
    // to its own pace (every 2 s) it often came after the next try. Its answer is waited on past the try's delay, as
    // long again at most: on a poor network it came after the delay (0.5 s at least on a first try), and the take was
    // sent again all the same; on a silent network the ask, given up only after 10 s, would hold the next try up.
    const listAsked = reply ? null : refresh();
    await sleep(delay);
    if (listAsked) await Promise.race([listAsked, sleep(delay)]);
    if (listed(take.id)) { received(take, where, listed(take.id).take_id); return; }
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function received(take, where, serverId) {
  forget(take.id);
  const unplaced = where.error === undefined ? "" : ` (without location: ${where.error})`;
  update(take.id, { state: "received", detail: "", serverId, receivedAt: Date.now(), unplaced });
  tell(receivedNews(take, unplaced));
  render(); refresh();
}

function othersOnTheirWay(take) {
  // How many other takes of this page are still on their way to the recorder.
  return [...local].filter(([id, t]) => id !== take.id && (t.state === "uploading" || t.state === "waiting")
                                        && !t.repair).length;
}

function receivedNews(take, unplaced) {
  // What the info line says as `take` is received. With other takes of this page still on their way (a take kept
  // through a drop-out, received while the newest still sends on a slow network), a plain "Received" read as the
  // newest's news: the performer took a take still sending for one arrived. It names the take, and those left.
  const left = othersOnTheirWay(take);
  if (!left) return `Received${unplaced}. Tap REC for another.`;
  const length = typeof take.seconds === "number" ? `, ${take.seconds.toFixed(1)} s` : "";
  return `Received the take of ${new Date(take.startedAt).toLocaleTimeString()}${length}${unplaced}; `
    + `${left} more still on ${left === 1 ? "its" : "their"} way.`;
}

function tryOf(take, attempt) {
  // The info line's "(try N)". With other takes of this page on their way too (kept through an outage), their tries
  // took turns on the line, "try 3" then "try 1", read as one take's count going back: each names its take then.
  if (!othersOnTheirWay(take)) return `(try ${attempt})`;
  return `(the take of ${new Date(take.startedAt).toLocaleTimeString()}: try ${attempt})`;
}

function send(headers, body, givenUpBefore) {
  // One try of an upload, after `givenUpBefore` tries given up: resolves {reply, givenUp}, reply null where none came
  // (no network, or given up: givenUp "silent", "answer" or "deadline"). Sent with XMLHttpRequest, whose upload progress the page sees (fetch shows none). A
  // connection that went silent (the phone walked out of the Wi-Fi's range: no reset ever comes) is given up after
  // NO_PROGRESS_MS without progress and tried again, rather than waited on for the minutes a phone's network takes to
  // notice. A try that keeps moving is waited on as long as the recorder waits for it (uploadWaitMs): a wait that
  // ignored progress (15 s and 50 kB/s, twice as long each try) cut a 10 s take moving at 50 kbit/s at 34, 68 and
  // 137 s, each time throwing away what was sent, and delivered it after about 400 s instead of 153 s. Once the body
  // is all handed to the network (a small take fits in the phone's socket buffer at once) no progress is seen any
  // more: the answer is waited on for answerWaitMs from the try's start (at least UPLOAD_ANSWER_MS once sent), short
  // on a first try, never past the recorder's deadline. Waited on up to that deadline from the first try, a 1 s take
  // whose connection went silent once sent (a phone walking out of the Wi-Fi's range) was sent again after 153 s.
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    const startedAt = Date.now(), deadline = startedAt + uploadWaitMs(body.byteLength);
    const answerBy = startedAt + answerWaitMs(body.byteLength, givenUpBefore);
    let movedAt = startedAt, moved = 0, sentAt = null, givenUp = null, timer = null;
    const watch = () => {
      const now = Date.now();
      const due = sentAt === null ? Math.min(movedAt + NO_PROGRESS_MS, deadline)
        : Math.min(Math.max(answerBy, sentAt + UPLOAD_ANSWER_MS), Math.max(deadline, sentAt + UPLOAD_ANSWER_MS));
      if (now < due) { timer = setTimeout(watch, due - now); return; }
      givenUp = now >= deadline ? "deadline" : sentAt === null ? "silent" : "answer";
      xhr.abort();
    };
    const end = (reply) => { clearTimeout(timer); resolve({ reply, givenUp }); };
    xhr.upload.onprogress = (event) => {
      if (event.loaded > moved) { moved = event.loaded; movedAt = Date.now(); }
      if (sentAt === null && event.lengthComputable && event.loaded >= event.total) sentAt = Date.now();
    };
    xhr.upload.onload = () => { if (sentAt === null) sentAt = Date.now(); };
    xhr.onload = () => end({
      status: xhr.status, ok: xhr.status >= 200 && xhr.status < 300,
      headers: { get: (name) => xhr.getResponseHeader(name) },
      json: async () => JSON.parse(xhr.responseText),
    });
    xhr.onerror = () => end(null);
    xhr.onabort = () => end(null);
    xhr.open("POST", "/api/takes");
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.send(body);
    watch();
  });
}

function uploadWaitMs(bytes) {
  // How long a try of an upload of `bytes` that keeps moving is waited on: as long as the recorder itself waits for it
  // (its settings, config): header_timeout to show the token, then the body may fall request_timeout behind
  // min_upload_kbps (web_recorder/door.py); then 15 s to store it and answer. Past it the recorder has answered 408 or
  // let the connection go.
  return (config.headerTimeout + config.requestTimeout) * 1000 + bytes * 8 / config.minUploadKbps + UPLOAD_ANSWER_MS;
}

function answerWaitMs(bytes, givenUp) {
  // How long, from its start, a try whose body is all sent is waited on for its answer, after `givenUp` tries given
  // up: 15 s and a moment per 50 kB at first (a 1 s take: 17 s), as a working network sends it and the recorder
  // answers; twice as long each try given up, so that a slow network, whose socket buffer holds the body still
  // unsent, gets the take through within a few tries. send() never waits past the recorder's deadline (uploadWaitMs).
  return (SILENT_WAIT_MS + bytes / SILENT_BYTES_PER_MS) * 2 ** givenUp;
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

export function retryDelay(attempt, random = Math.random) {
  // How long a take waits after its attempt-th try failed before it is sent again: 1 s, 2 s ... 5 s on average, each
  // wait drawn anywhere from half to one and a half of that. The phones that lost the recorder together (a restart,
  // the Wi-Fi down) failed together: on a fixed schedule they all sent again at the same moments, every 5 s, each
  // time the whole crowd at once on a recorder just back.
  return RETRY_STEP_MS * Math.min(attempt, RETRY_MOST_STEPS) * (0.5 + random());
}
