// Analytics over a chosen window: utilization, revenue, peak hours, underutilized, stats.
import { get, problemOf, serverNow } from "../api.js";
import { barChart, heatmap, lineChart } from "../charts.js";
import { el, field, select, table } from "../dom.js";
import { day, duration, money, moneyWhole, pct, time, zone } from "../fmt.js";
import { loadPlates, plateOf } from "../names.js";

const DAY_MS = 86400000;
const isoDay = (d) => d.toISOString().slice(0, 10);

function card(title, ...body) {
  return el("section", { class: "card", "aria-label": title }, el("h2", { text: title }), ...body);
}

function errorOr(answer, draw) {
  return answer.ok ? draw(answer.body) : el("p", { class: "error", text: problemOf(answer).message });
}

function utilization(body, hourly) {
  const labels = body.buckets.map((b) => (hourly ? time(b.start) : day(b.start)));
  return [lineChart("Fleet utilization", [
    { values: body.buckets.map((b) => b.booked_utilization) },
    { values: body.buckets.map((b) => b.driven_utilization) },
  ], labels, (v) => `${Math.round(v * 100)} %`),
  el("p", { class: "legend" }, el("span", { class: "key s0", text: "booked" }), el("span", { class: "key s1", text: "driven" }),
    ` Over the window: booked ${pct(body.totals.booked_utilization)}, driven ${pct(body.totals.driven_utilization)}.`)];
}

function revenue(body, range) {
  const currencies = body.totals.map((t) => t.currency);
  if (!currencies.length) return [el("p", { class: "muted", text: "No bookings in this window." }), barChart("Revenue by day", [], [], String)];
  return currencies.flatMap((currency) => {
    const buckets = new Map(body.buckets.filter((b) => b.currency === currency).map((b) => [isoDay(new Date(b.start)), b]));
    const days = [];
    for (let d = new Date(body.from); d < new Date(body.to); d = new Date(d.getTime() + DAY_MS)) days.push(d);
    const total = body.totals.find((t) => t.currency === currency);
    const perHour = days.map((d) => buckets.get(isoDay(d))?.price_per_booked_hour_cents ?? null);
    return [barChart(`Revenue by day (${currency})`, days.map((d) => buckets.get(isoDay(d))?.revenue_cents || 0), days.map((d) => day(d)),
      (v) => moneyWhole(v, currency)),
    el("p", { class: "legend", text: `${currency}: ${money(total.revenue_cents, currency)} revenue from ${total.bookings} bookings (${money(total.refunded_cents, currency)} refunded). Days in UTC.` }),
    lineChart(`Price per booked hour by day (${currency})`, [{ values: perHour }], days.map((d) => day(d)), (v) => money(Math.round(v), currency)),
    el("p", { class: "legend", text: `Average price per booked hour of the bookings starting each day (before refunds); ${money(total.price_per_booked_hour_cents, currency)} over the window. Compare with utilization above.` })];
  });
}

function peak(body) {
  const offset = -new Date().getTimezoneOffset() / 60;
  const whole = Number.isInteger(offset);
  const shiftBy = whole ? offset : 0;
  const grid = Array.from({ length: 7 }, () => Array(24).fill(0));
  for (const c of body.cells) {
    const index = (((c.day_of_week - 1) * 24 + c.hour + shiftBy) % 168 + 168) % 168;
    grid[Math.floor(index / 24)][index % 24] += c.booked_seconds / 3600;
  }
  return [heatmap("Peak hours: booked hours by weekday and hour", grid, (v) => `${v.toFixed(1)} booked h`),
    el("p", { class: "legend", text: `Booked hours per weekday and hour, in ${whole ? zone : "UTC"}.` })];
}

function under(body) {
  if (!body.items.length) return el("p", { class: "muted", text: "No vehicle below the threshold." });
  return table(["Vehicle", "Utilization", "Booked", "Available"], body.items.slice(0, 50).map((v) => el("tr", {},
    el("td", {}, el("a", { href: `#/vehicle/${v.vehicle_id}`, text: plateOf(v.vehicle_id) })),
    el("td", { class: "num", text: pct(v.utilization) }),
    el("td", { class: "num", text: duration(v.booked_seconds) }),
    el("td", { class: "num", text: duration(v.available_seconds) }))));
}

function stats(s) {
  const tiles = [["Bookings", s.bookings], ["Cancelled", `${s.cancelled} (${pct(s.cancellation_rate)})`],
    ["Completed", `${s.completed} (${pct(s.completion_rate)})`], ["No-shows", `${s.no_shows} (${pct(s.no_show_rate)})`],
    ["Trips started", s.trips_started], ["Mean lead time", duration(s.mean_lead_time_seconds)],
    ["Mean duration", duration(s.mean_duration_seconds)]];
  return el("dl", { class: "tiles", dataset: { bookings: s.bookings } }, tiles.map(([k, v]) => el("div", {}, el("dt", { text: k }), el("dd", { text: String(v) }))));
}

export function render(container) {
  const now = serverNow();
  const from = el("input", { type: "date", name: "from", value: isoDay(new Date(now.getTime() - 7 * DAY_MS)) });
  const to = el("input", { type: "date", name: "to", value: isoDay(new Date(now.getTime() + DAY_MS)) });
  const preset = select("preset", [["7", "Last 7 days"], ["30", "Last 30 days"], ["90", "Last 90 days"], ["", "Custom"]], "7");
  const grid = el("div", { class: "cards" });
  preset.addEventListener("change", () => {
    if (!preset.value) return;
    from.value = isoDay(new Date(serverNow().getTime() - Number(preset.value) * DAY_MS));
    to.value = isoDay(new Date(serverNow().getTime() + DAY_MS));
    load();
  });
  const load = async () => {
    const range = { from: `${from.value}T00:00:00Z`, to: `${to.value}T00:00:00Z` };
    const hourly = new Date(range.to) - new Date(range.from) <= 2 * DAY_MS;
    grid.replaceChildren(el("p", { class: "muted", text: "Loading…" }));
    const [u, r, p, un, s] = await Promise.all([
      get("/v1/analytics/fleet/utilization", { ...range, granularity: hourly ? "hour" : "day" }),
      get("/v1/analytics/revenue", { ...range, granularity: "day" }),
      get("/v1/analytics/peak-hours", range),
      get("/v1/analytics/underutilized", { ...range, limit: 50 }),
      get("/v1/analytics/bookings/stats", range),
      loadPlates(),
    ]);
    grid.replaceChildren(
      card("Fleet utilization", errorOr(u, (b) => utilization(b, hourly))),
      card("Revenue", errorOr(r, (b) => revenue(b, range))),
      card("Peak hours", errorOr(p, peak)),
      card("Booking statistics", errorOr(s, stats)),
      card("Underutilized vehicles (below 20 % booked)", errorOr(un, under)));
    container.dataset.loaded = "true";
  };
  const form = el("form", { class: "filters" }, field("Window", preset), field("From (UTC day)", from), field("To (UTC day, exclusive)", to),
    el("button", { type: "submit", text: "Show" }));
  form.addEventListener("submit", (event) => { event.preventDefault(); preset.value = ""; load(); });
  container.append(el("h1", { text: "Analytics" }), form, grid);
  load();
  return null;
}
