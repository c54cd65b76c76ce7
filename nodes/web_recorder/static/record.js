// The microphone and the takes recorded with it: raw PCM from an AudioWorklet (pcm-worklet.js), encoded as 16-bit WAV
// at STOP, kept on the phone and sent with the take's own location (upload.js).
import { $, cleanName, config, local, madeUpName, nameInput, phoneKey, recButton, say, state, store } from "./page.js";
import { keep } from "./keep.js";
import { upload } from "./upload.js";
import { render } from "./takes.js";

export const GESTURES = ["pointerdown", "touchstart", "keydown"];  // the taps that may let the page start audio
let audio = null;          // {context, stream, node}
let micOpening = null;      // the promise of `audio` while the microphone opens

export function currentAudio() { return audio; }

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
    if (state.recording) {
      state.recording.chunks.push(data.samples);
      state.recording.frames += data.samples.length;
      const seconds = state.recording.frames / context.sampleRate;
      if (seconds >= config.maxSeconds) stop(`Stopped at ${config.maxSeconds} s, the longest take: sending…`);
      else if (Math.floor(seconds * 10) !== state.recording.tenths) {  // the time recorded: the end is no surprise
        state.recording.tenths = Math.floor(seconds * 10);
        say(`Recording ${seconds.toFixed(1)} s of ${config.maxSeconds} s… tap STOP when done.`);
      }
    }
  };
  source.connect(node);
  // A muted sink keeps the graph pulled on browsers that only render what reaches the destination.
  const mute = context.createGain(); mute.gain.value = 0; node.connect(mute).connect(context.destination);
  return { context, stream, node };
}

export function letGoOfEndedMicrophone() {
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

export async function warmUp() {
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
    if (!state.recording) say(microphoneTrouble(error), true);
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
    return "The microphone is busy (a call, another app state.recording): close that, then tap REC again.";
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

export async function start() {
  const name = cleanName(nameInput.value) || madeUpName;
  nameInput.value = name;
  store("exsampling-recorder-name", name);
  try {
    letGoOfEndedMicrophone();
    await ensureMicrophone();
    await audio.context.resume();
  } catch (error) { say(microphoneTrouble(error), true); return; }
  const id = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/-/g, "").slice(0, 24);
  state.recording = { chunks: [], frames: 0, tenths: -1, id, name, startedAt: Date.now(), position: whereNow() };
  recButton.textContent = "STOP"; recButton.classList.add("recording");
  say("Recording… tap STOP when done.");
}

export function stop(why = "Sending…") {
  if (!state.recording) return;
  const take = state.recording; state.recording = null;
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
