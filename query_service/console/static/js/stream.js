// One EventSource on /v1/stream for the whole page (the session cookie goes with it).
// There is no replay: after a reconnect every listener is told to re-read ("resync").
import { refreshSession } from "./api.js";

const changeListeners = new Set();
const stateListeners = new Set();
let source = null;
let retryMs = 500;
let hadError = false;

export function onChange(fn) { changeListeners.add(fn); return () => changeListeners.delete(fn); }
export function onStreamState(fn) { stateListeners.add(fn); }
const tell = (s) => stateListeners.forEach((fn) => fn(s));

export function openStream() {
  closeStream();
  source = new EventSource("/v1/stream");
  source.addEventListener("open", () => {
    retryMs = 500;
    tell("live");
    if (hadError) changeListeners.forEach((fn) => fn({ resync: true }));
    hadError = false;
  });
  source.addEventListener("change", (message) => {
    const change = JSON.parse(message.data);
    if (!change.vehicle_id) return; // a location's or pricing policy's change: no page shows one
    changeListeners.forEach((fn) => fn(change));
  });
  source.addEventListener("error", () => {
    hadError = true;
    tell("reconnecting");
    if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
    // Closed for good (e.g. the access token expired): renew the session, then reopen.
    const wait = retryMs;
    retryMs = Math.min(retryMs * 2, 10000);
    setTimeout(async () => { if (source && (await refreshSession())) openStream(); }, wait);
  });
}

export function closeStream() {
  if (source) source.close();
  source = null;
  tell("closed");
}
