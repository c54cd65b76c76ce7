// The field recorder's page (an ES module, index.html): raw PCM from an AudioWorklet, encoded as 16-bit WAV, uploaded
// with the take's own location. The take list merges local upload states with the status the patch reports.
// page.js: the shared parts; keep.js: the takes kept on the phone; record.js: the microphone, the takes and their WAV;
// upload.js: the uploads and their tries; takes.js: the take list and the info line's news.
import { $, PAIRED_AGAIN, cleanName, config, local, madeUpName, nameInput, recButton, showNotStoring, state, store,
  stored } from "./page.js";
import { keeping, kept } from "./keep.js";
import { GESTURES, currentAudio, start, stop, warmUp } from "./record.js";
import { retryDelay, sendKept } from "./upload.js";
import { poll, refresh, takeList } from "./takes.js";

const DOUBLE_TAP_MS = 400;  // a tap on STOP sooner than this after REC is the same finger's double tap

$("max").textContent = config.maxSeconds;
showNotStoring(config.notStoring);
nameInput.value = cleanName(stored("exsampling-recorder-name")) || madeUpName;
nameInput.addEventListener("change", () => {
  nameInput.value = cleanName(nameInput.value) || madeUpName;  // shown as the takes will carry it
  store("exsampling-recorder-name", nameInput.value);
});

// What the page's own tests reach for (tests/browser, in page.evaluate): a classic script's names were the window's,
// a module's are not.
Object.assign(window, { config, local, keeping, kept, refresh, retryDelay, takeList });
Object.defineProperty(window, "audio", { get: currentAudio, configurable: true });

for (const kind of GESTURES) document.addEventListener(kind, warmUp, { capture: true, passive: true });
warmUp();
let starting = false;  // REC tapped, the microphone being made ready: a second tap starts no second take
recButton.addEventListener("click", () => {
  if (state.recording) {
    // A double tap's second tap is not STOP: it sent a blip that took the place of the sound its slot held.
    if (Date.now() - state.recording.startedAt >= DOUBLE_TAP_MS) stop();
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
  if (state.recording || waiting) { event.preventDefault(); event.returnValue = ""; }
});
window.addEventListener(PAIRED_AGAIN, () => sendKept());
sendKept();
poll();
