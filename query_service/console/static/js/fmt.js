// Formatting in the viewer's own time zone and locale.
export const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
const dateTime = new Intl.DateTimeFormat(undefined, {
  weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
});
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayOnly = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });

export const when = (iso) => (iso ? dateTime.format(new Date(iso)) : "—");
export const time = (d) => timeOnly.format(d instanceof Date ? d : new Date(d));
export const day = (d) => dayOnly.format(d instanceof Date ? d : new Date(d));

export function span(startIso, endIso) {
  const start = new Date(startIso), end = new Date(endIso);
  const sameDay = start.toDateString() === end.toDateString();
  return `${dateTime.format(start)} – ${sameDay ? timeOnly.format(end) : dateTime.format(end)}`;
}

// Building a formatter costs far more than using one: keep one per currency.
const currencies = new Map();
export function money(cents, currency = "EUR") {
  if (cents === null || cents === undefined) return "—";
  if (!currencies.has(currency)) {
    currencies.set(currency, new Intl.NumberFormat(undefined, { style: "currency", currency }));
  }
  return currencies.get(currency).format(cents / 100);
}

// A payment's state in a few words: its status and the money of that state.
const PAYMENT_AMOUNT = { authorized: "authorized_cents", captured: "captured_cents", voided: "voided_cents", refunded: "refunded_cents" };
export function paymentSummary(p) {
  const column = PAYMENT_AMOUNT[p.status];
  return column ? `${p.status} ${money(p[column], p.currency)}` : p.status;
}

export function moneyWhole(cents, currency) {
  return new Intl.NumberFormat(undefined, { style: "currency", currency, maximumFractionDigits: 0 })
    .format(cents / 100);
}

const integer = new Intl.NumberFormat();
export const km = (n) => `${integer.format(n)} km`;
export const pct = (x) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)} %`);
export const short = (id) => String(id).slice(0, 8);

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const h = seconds / 3600;
  return h >= 48 ? `${(h / 24).toFixed(1)} d` : `${h.toFixed(1)} h`;
}

export function countdown(untilIso, nowMs) {
  const left = Math.max(0, Math.floor((new Date(untilIso).getTime() - nowMs) / 1000));
  const m = Math.floor(left / 60), s = left % 60;
  return left === 0 ? "expired" : `expires in ${m}:${String(s).padStart(2, "0")}`;
}

// <input type="datetime-local"> values are local wall time; the API wants RFC 3339.
export const fromLocalInput = (value) => (value ? new Date(value).toISOString() : null);
export function toLocalInput(date) {
  const d = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}
