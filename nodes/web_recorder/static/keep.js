// The phone's own store of the takes not yet accepted (IndexedDB): each is kept from STOP until the recorder takes
// it, and sent again by a page opened later (upload.js, sendKept).
import { local } from "./page.js";

const KEEP_WAIT_MS = 3000;  // the longest a take waits for the phone's storage before it is sent all the same
// The phone's store of takes not yet accepted (IndexedDB), or null where there is none.
export const keeping = openKeep();

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

export async function kept(action) {
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

export async function keep(record) {
  if (await kept((takes) => takes.put(record)) !== undefined && local.has(record.id)) local.get(record.id).kept = true;
}

export function forget(id) { kept((takes) => takes.delete(id)); }

export function keepRefusal(take, detail) {
  // A take refused for good: its audio leaves the phone's storage (sending it again cannot help), its row stays, with
  // why, so that a reload does not make it vanish as if it had been lost unseen.
  kept((takes) => takes.put({ id: take.id, startedAt: take.startedAt, seconds: take.seconds, refused: detail }));
}
