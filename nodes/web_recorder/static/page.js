// The recorder page's shared parts (app.js loads the rest): its settings, this phone's key and name, its elements, the
// takes sent from this page (local) and the state its modules share; the info line.
export const config = window.RECORDER_CONFIG;  // the recorder's settings (index.html), followed as it runs (takes.js)
export const token = new URLSearchParams(location.search).get("token") || "";
export const phoneKey = ownKey();  // this phone's own secret: the take list shows the takes sent with it only
export const $ = (id) => document.getElementById(id);
export const recButton = $("rec"), info = $("info"), nameInput = $("name"), list = $("takes");
export const local = new Map();   // phone's take id -> {state, detail, startedAt, seconds, kept, repair, unplaced}
export const UNPAIRED = "The recorder's pairing changed: scan its new QR code (or open its new link) on this phone "
  + "before recording.";
// Told on window when the take list answers again after the pairing had changed: the kept takes go then (app.js).
// An event, not a call, so that the take list (takes.js) and the uploads (upload.js), which renders it, do not
// import each other.
export const PAIRED_AGAIN = "exsampling-paired-again";
export const UNPAIRED_KEPT = "The recorder's pairing changed: scan its new QR code to send the takes kept here.";
export const madeUpName = makeUpName(phoneKey);  // REC works at once; the phone may type its own name instead
export const state = {
  recording: null,    // the take being recorded: {chunks, frames, id, startedAt, position, timer} (record.js)
  unpaired: false,    // the recorder refused this page's token: said once, until it takes it again
  listAnsweredAt: 0,  // when the recorder last answered the take list (Date.now()): it is within reach
};

export function showNotStoring(text) {
  // The recorder cannot store takes now (its take folder cannot be made), and why, until it can: before, no page was
  // served at all, and the phone could not even learn why.
  const shown = $("notStoring");
  shown.hidden = !text;
  shown.textContent = text ? `${text} Takes recorded here are kept on this phone and sent once it can.` : "";
}

export function cleanName(text) {
  // The name as the recorder takes it (letters and digits of any script with their marks, spaces and . ' @ ( ) + -,
  // at most 40): a take is never refused, and dropped, for the name typed. "Zoë & Ana" becomes "Zoë Ana".
  const kept = String(text || "").normalize("NFC").replace(/[^\p{L}\p{N}\p{M}_ .'@()+-]+/gu, " ")
    .replace(/\s+/g, " ").replace(/^[^\p{L}\p{N}_]+/u, "");
  return [...kept].slice(0, 40).join("").trim();
}

export function stored(key) { try { return localStorage.getItem(key); } catch (error) { return null; } }
export function store(key, value) { try { localStorage.setItem(key, value); } catch (error) { /* private browsing */ } }

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

export function say(text, error = false, partial = false) {
  // partial: a take in its slot that an output did not load (amber), neither news nor an error (red).
  info.textContent = text; info.classList.toggle("error", error); info.classList.toggle("partial", partial && !error);
}

export function update(id, changes) {
  // A take's entry in the page's list, with the fields in changes replaced.
  local.set(id, { ...local.get(id), ...changes });
}

export function tell(text, error = false, partial = false) {
  // An upload's news never covers "Recording…": the take list shows it.
  if (!state.recording) say(text, error, partial);
}
