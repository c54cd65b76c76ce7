// The take list: the recorder's answers for this phone's takes, merged with the uploads on their way, rendered; the
// info line's news of the newest take's end; the recorder's settings followed as it runs.
import { PAIRED_AGAIN, UNPAIRED, UNPAIRED_KEPT, $, config, info, list, local, phoneKey, say, showNotStoring, state, tell,
  token } from "./page.js";

const LIST_WAIT_MS = 10000;  // the longest an ask for the take list is waited on
let serverTakes = [];
let announced = null;      // the take whose end the info line told

export async function refresh() {
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
      state.listAnsweredAt = Date.now();
      // Whichever said the pairing changed (the list's ask, a take refused) no longer stands: the performer would
      // go on scanning for a new QR code that is not coming.
      if (state.unpaired && [UNPAIRED, UNPAIRED_KEPT].includes(info.textContent)) {
        say("Paired again: tap REC to record a sound.");
      }
      // A take refused for the pairing waited for a page opened with a new link: this one is taken again.
      if (state.unpaired) window.dispatchEvent(new Event(PAIRED_AGAIN));
      state.unpaired = false;
    } else if (replies[0].status === 401 && !state.unpaired) {
      // The recorder restarted with a new token (rotate_token): said now, not only once a take is recorded and refused.
      state.unpaired = true;
      tell(UNPAIRED, true);
    }
  } catch (error) { /* offline for a moment: keep the last list */ }
  clearTimeout(timer);
}

export function listed(id) {
  // The recorder's row of the take this page sent as `id`, once its take list has it as stored; null before. A row
  // ended in an error is not: a stored take the recorder found unreadable as it restarted stays in its list, its
  // phone take id withdrawn so that the page's retry is stored anew. Counted as received, the take was deleted from
  // the phone and never sent again: lost. (A take stored whose end was another error is answered as a duplicate when
  // sent again, not stored twice.)
  return serverTakes.find((t) => t.client_take_id === id && !isError(t)) || null;
}

function rowOf(id, t) {
  // The recorder's row of the page's received take `t`: the one stored under the id its receipt named, else its
  // stored row. Not any row of its phone take id: a list asked before the take was stored anew, answered after its
  // receipt, has only the error row of the copy lost at the recorder's restart ("stored take unreadable"), told as
  // the take's end and never corrected.
  return (t.serverId && serverTakes.find((s) => s.take_id === t.serverId)) || listed(id);
}

function isError(t) {
  return t.fate === "error" || t.status === "error";
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
  // So is whether it can store takes: said while it cannot, gone once its take folder is made.
  if (settings) showNotStoring(typeof settings.notStoring === "string" ? settings.notStoring : "");
}

function unused(t) {
  // The take ended without reaching a slot: rejected, dropped ("silent"), skipped (its slot locked), an error.
  return Boolean(t.fate) && t.fate !== "slot" && t.fate !== "done";
}

function partial(t) {
  // The take reached its slot, but an output did not load it (Live not running: the default patch's every take,
  // each in the sampler's slot and playable). Red, as a take not used, the performer recorded again takes that worked.
  // Amber where another output has it: where none has it (unloaded), red after all.
  return t.fate === "slot" && Boolean(t.not_loaded) && !unloaded(t);
}

function unloaded(t) {
  // In its slot, but no output loaded it (Live alone linked, not answering): no instrument has it, red. A row
  // without "loaded" (saved by an earlier run) does not say so, and stays amber.
  return t.fate === "slot" && Boolean(t.not_loaded) && Array.isArray(t.loaded) && t.loaded.length === 0;
}

function announce() {
  // The info line tells the end of the newest take sent from this page once it is known, once: the performer
  // sees at a glance whether to record it again, without reading the list.
  let newest = null;
  for (const [id, t] of local) if (!newest || t.startedAt > newest.startedAt) newest = { id, ...t };
  if (!newest || newest.state !== "received" || newest.id === announced) return;  // a newer one is on its way
  const row = rowOf(newest.id, newest);
  if (!row || !row.fate) return;
  announced = newest.id;
  // The take's end joins what was said at its receipt, never hides it: a take without location stays told so.
  const unplaced = newest.unplaced || "";
  const end = endInWords(row.end || row.fate) + unsaved(row);
  if (unused(row)) tell(`Received, not used: ${end}${unplaced}. Tap REC to try again.`, true);
  else tell(`Received: ${describe(row)}${unsaved(row)}${unplaced}. Tap REC for another.`, unloaded(row), partial(row));
}

function unsaved(t) {
  // The recorder could not save the take's row for after its restart (its disk full): the list may then lose it.
  return t.unsaved ? ` (${t.unsaved})` : "";
}

function words(label) {
  // The model's labels are identifiers ("hihat_closed"): shown as words, "hihat closed".
  // Its Python twin (and endInWords's): label_words, end_in_words in exsampling_patch/wording.py; keep them alike.
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
  // After a semicolon: "→ Bass, not delivered to Live" read as Bass not having it.
  if (t.slot) parts.push("→ " + t.slot + (t.not_loaded ? "; " + t.not_loaded : ""));
  else if (t.reason) parts.push(endInWords(t.reason));
  if (!parts.length) parts.push(t.end || t.status || "received");
  return parts.join(" ");
}

export function takeList() {
  // The recorder's rows as last listed (the page's tests read them: tests/browser).
  return serverTakes;
}

function newerHere(t, id) {
  // Whether the page's own row of take `id` is newer news than the recorder's rows of it, all ended in an error: a
  // stored take lost at the recorder's restart (unreadable) is being sent again, or was received anew and the list
  // does not have it yet. Only the error showed then, "stored take unreadable", while the phone was sending the take.
  const rows = serverTakes.filter((s) => s.client_take_id === id);
  if (!rows.length || listed(id)) return false;
  if (t.state === "waiting" || t.state === "uploading") return true;
  return t.state === "received" && Boolean(t.serverId) && !rows.some((s) => s.take_id === t.serverId);
}

export function render() {
  const rows = [];
  const known = new Set(serverTakes.map((t) => t.client_take_id));
  const hidden = new Set();  // phone take ids whose recorder's error rows give way to the page's own row
  for (const [id, t] of local) {
    if (newerHere(t, id)) hidden.add(id);
    else if (known.has(id) && t.state !== "failed") continue;
    // A kept take may have no length (an older page's record): its row is shown without one, and so are the rest.
    const what = typeof t.seconds === "number" ? `${t.seconds.toFixed(1)} s` : "";
    rows.push({ time: t.startedAt, what, state: t.state + (t.detail ? ": " + t.detail : ""),
                failed: t.state === "failed", partial: false });
  }
  for (const t of serverTakes) {
    if (t.client_take_id && hidden.has(t.client_take_id)) continue;
    // A take lost at the recorder's restart and stored anew from the phone's retry is listed twice: its newest end
    // is the stored one, the error row of the copy lost is no longer true.
    if (t.client_take_id && isError(t) && listed(t.client_take_id)) continue;
    // A row may have no length (a take made known again from a sidecar without one): the rest of it is shown.
    const what = [typeof t.duration === "number" ? `${t.duration.toFixed(1)} s` : "", t.location ? "" : "no location"];
    // A row may have no time (a sidecar without one, a row an earlier run saved so): none is shown, not 1970's.
    const time = typeof t.recorded_at === "number" ? t.recorded_at * 1000 : null;
    rows.push({ time, what: what.filter(Boolean).join(" · "),
                state: describe(t) + unsaved(t), failed: unused(t) || unloaded(t), partial: partial(t) });
  }
  const at = (r) => (typeof r.time === "number" ? r.time : -1);
  rows.sort((a, b) => at(b) - at(a));  // newest first, those without a time last
  list.replaceChildren(...rows.map((r) => {
    const li = document.createElement("li"); if (r.failed || r.partial) li.className = r.failed ? "failed" : "partial";
    const left = document.createElement("span");
    const shown = typeof r.time === "number" ? new Date(r.time).toLocaleTimeString() : "";
    left.innerHTML = `${shown} <span class="what"></span>`;
    left.querySelector(".what").textContent = r.what;
    const right = document.createElement("span"); right.className = "state"; right.textContent = r.state;
    li.append(left, right); return li;
  }));
}

function awaitingEnd() {
  // A take received in the last 30 s whose end (slot, rejected, ...) the list does not tell yet.
  for (const [id, t] of local) {
    if (t.state !== "received" || Date.now() - t.receivedAt > 30000) continue;
    const row = rowOf(id, t);
    if (!row || !row.fate) return true;
  }
  return false;
}

export async function poll() {
  // Often while a take's end is awaited (the performer waits for its slot: within a second), else every 2 s.
  await refresh();
  setTimeout(poll, awaitingEnd() ? 250 : 2000);
}
