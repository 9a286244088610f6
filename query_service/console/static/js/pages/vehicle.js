// Vehicle page: calendar timeline (day / week / month), audit trail and operator actions.
import { command, get, getAll, problemOf, serverNow } from "../api.js";
import { el, field, select, table } from "../dom.js";
import { countdown, day, fromLocalInput, km, paymentSummary, span, toLocalInput, when } from "../fmt.js";
import { onChange } from "../stream.js";
import { statusBadge } from "./fleet.js";

const DAY_MS = 86400000;
const LENGTH = { day: 1, week: 7, month: 0 };

function rangeOf(view, anchor) {
  const start = new Date(anchor);
  start.setHours(0, 0, 0, 0);
  if (view === "week") start.setDate(start.getDate() - ((start.getDay() + 6) % 7));
  if (view === "month") start.setDate(1);
  const end = new Date(start);
  if (view === "month") end.setMonth(end.getMonth() + 1); else end.setDate(end.getDate() + LENGTH[view]);
  return [start, end];
}

function shift(view, anchor, direction) {
  const next = new Date(anchor);
  if (view === "month") next.setMonth(next.getMonth() + direction);
  else next.setDate(next.getDate() + direction * LENGTH[view]);
  return next;
}

function blockLabel(b) {
  const name = b.kind[0].toUpperCase() + b.kind.slice(1);
  return b.kind === "hold" ? `${name} · ${countdown(b.expires_at, serverNow().getTime())}` : name;
}

// One row per day of the range, each a 24-hour track; a block is drawn on every day it touches.
function timeline(blocks, start, end) {
  const days = [];
  for (let d = new Date(start); d < end; d.setDate(d.getDate() + 1)) days.push(new Date(d));
  const axis = el("div", { class: "tl-row tl-axis" }, el("span", { class: "tl-day" }),
    el("div", { class: "tl-track" }, [0, 6, 12, 18].map((h) => {
      const mark = el("span", { class: "tl-hour", text: `${String(h).padStart(2, "0")}:00` });
      mark.style.left = `${(h / 24) * 100}%`;
      return mark;
    })));
  const rows = days.map((d0) => {
    const d1 = new Date(d0); d1.setDate(d1.getDate() + 1);
    const track = el("div", { class: "tl-track" });
    for (const b of blocks) {
      const s = Math.max(new Date(b.start).getTime(), d0.getTime());
      const e = Math.min(new Date(b.end).getTime(), d1.getTime());
      if (e <= s) continue;
      const node = el("div", {
        class: `blk k-${b.kind}`, title: `${b.kind}: ${span(b.start, b.end)}`,
        dataset: { blockId: b.id, kind: b.kind, expiresAt: b.expires_at || "" },
      }, el("span", { class: "blk-label", text: blockLabel(b) }));
      node.style.left = `${((s - d0.getTime()) / (d1 - d0)) * 100}%`;
      node.style.width = `${Math.max(0.6, ((e - s) / (d1 - d0)) * 100)}%`;
      track.append(node);
    }
    const now = serverNow().getTime();
    if (now >= d0.getTime() && now < d1.getTime()) {
      const mark = el("span", { class: "tl-now", title: "now" });
      mark.style.left = `${((now - d0.getTime()) / (d1 - d0)) * 100}%`;
      track.append(mark);
    }
    return el("div", { class: "tl-row" }, el("span", { class: "tl-day", text: day(d0) }), track);
  });
  return el("div", { class: "timeline", role: "group", "aria-label": "Calendar" }, axis, rows);
}

// A started maintenance window can be completed here, with the odometer reading.
function completeForm(block, odometerKm, done) {
  const input = el("input", { type: "number", name: "odometer_km", min: 0, required: true, value: odometerKm });
  const message = el("span", { class: "message", role: "status" });
  const form = el("form", { class: "inline" }, field("Odometer at completion (km)", input),
    el("button", { type: "submit", class: "secondary", text: "Complete" }), message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await command(`v1/maintenance/${block.id}/complete`, { odometer_km: Number(input.value) });
    message.className = `message ${answer.ok ? "ok" : "error"}`;
    message.textContent = answer.ok ? "Completed." : problemOf(answer).message;
    if (answer.ok) done();
  });
  return form;
}

function blockList(blocks, vehicle, done) {
  if (!blocks.length) return el("p", { class: "muted", text: "Nothing booked, held or in maintenance in this range." });
  const now = serverNow();
  return table(["Kind", "Window", "Id", "Hold expiry / action"], blocks.map((b) => el("tr", { dataset: { blockId: b.id } },
    el("td", {}, el("span", { class: `badge k-${b.kind}`, text: b.kind })),
    el("td", { text: span(b.start, b.end) }),
    el("td", { class: "mono", text: b.id }),
    b.kind === "maintenance" && new Date(b.start) <= now && vehicle
      ? el("td", {}, completeForm(b, vehicle.odometer_km, done))
      : el("td", { class: "countdown", dataset: { expiresAt: b.expires_at || "" },
        text: b.expires_at ? countdown(b.expires_at, serverNow().getTime()) : "—" }))));
}

export function conflictList(conflicts) {
  if (!conflicts.length) return null;
  return el("ul", { class: "conflicts" }, conflicts.map((c) =>
    el("li", { text: `${c.kind} ${String(c.id).slice(0, 8)}: ${span(c.start, c.end)}` })));
}

function actionForm(title, inputs, submitText, send, onDone) {
  const message = el("div", { class: "message", role: "status" });
  const form = el("form", { class: "action" }, el("h3", { text: title }), inputs,
    el("button", { type: "submit", text: submitText }), message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    const answer = await send(form);
    button.disabled = false;
    if (answer.ok) {
      message.className = "message ok";
      message.replaceChildren(`Done.`);
      form.reset();
      onDone();
    } else {
      const problem = problemOf(answer);
      message.className = "message error";
      message.replaceChildren(el("p", { text: problem.message }), conflictList(problem.conflicts) || "");
    }
  });
  return form;
}

function actions(id, reload) {
  const now = serverNow();
  const start = el("input", { type: "datetime-local", name: "start", required: true, value: toLocalInput(new Date(now.getTime() + DAY_MS)) });
  const end = el("input", { type: "datetime-local", name: "end", required: true, value: toLocalInput(new Date(now.getTime() + DAY_MS + 4 * 3600000)) });
  const reason = () => el("input", { type: "text", name: "reason", required: true, maxlength: 500 });
  return el("div", { class: "actions" },
    actionForm("Schedule maintenance", [field("Start", start), field("End", end), field("Reason", reason())],
      "Schedule", (f) => command(`v1/vehicles/${id}/maintenance`, {
        start: fromLocalInput(f.start.value), end: fromLocalInput(f.end.value), reason: f.reason.value,
      }), reload),
    actionForm("Change status", [field("New status", select("status", [["available", "Available"],
      ["maintenance", "Maintenance"], ["inactive", "Inactive"]], "maintenance")), field("Reason", reason())],
      "Change status", (f) => command(`v1/vehicles/${id}/status`, { status: f.status.value, reason: f.reason.value }), reload),
    actionForm("Retire", [field("Reason", reason()),
      el("label", { class: "check" }, el("input", { type: "checkbox", name: "sure", required: true }),
        " Retiring is permanent")], "Retire vehicle",
      (f) => command(`v1/vehicles/${id}/retire`, { reason: f.reason.value }), reload));
}

function summary(v) {
  const b = v.current_booking;
  return el("dl", { class: "facts" },
    el("dt", { text: "Status" }), el("dd", {}, statusBadge(v.status)),
    el("dt", { text: "Odometer" }), el("dd", { text: km(v.odometer_km) }),
    el("dt", { text: "Health" }), el("dd", { text: `${km(v.health.km_since_service)}, ${v.health.days_since_service} d since service${v.health.service_due ? " — service due" : ""}` }),
    el("dt", { text: "Current booking" }), el("dd", { text: b ? span(b.start, b.end) : "—" }),
    el("dt", { text: "Its payment" }), el("dd", { class: "payment", text: b && b.payment ? paymentSummary(b.payment) : "—" }));
}

function history(items) {
  return table(["#", "Event", "When", "By"], items.slice().reverse().map((e) => el("tr", {},
    el("td", { class: "num", text: e.version }), el("td", { text: e.type }),
    el("td", { text: when(e.occurred_at) }), el("td", { class: "mono", text: (e.metadata && e.metadata.actor) || "—" }))));
}

export function render(container, [id]) {
  let view = "week";
  let anchor = serverNow();
  const head = el("div"), cal = el("div", { class: "calendar" }), list = el("div"), audit = el("div");
  const title = el("span", { class: "range" });
  const viewPicker = select("view", [["day", "Day"], ["week", "Week"], ["month", "Month"]], view);
  const loadVehicle = async () => {
    const answer = await get(`/v1/vehicles/${id}`);
    if (!answer.ok) { head.replaceChildren(el("p", { class: "error", text: problemOf(answer).message })); return null; }
    const v = answer.body;
    head.replaceChildren(el("h1", { text: `${v.plate} · ${v.make} ${v.model}` }), summary(v));
    return v;
  };
  let vehicle = null;
  const loadCalendar = async () => {
    const [start, end] = rangeOf(view, anchor);
    title.textContent = `${day(start)} – ${day(new Date(end.getTime() - 1))}`;
    const answer = await getAll(`/v1/vehicles/${id}/calendar`, { from: start.toISOString(), to: end.toISOString() });
    if (!answer.ok) { cal.replaceChildren(el("p", { class: "error", text: problemOf(answer).message })); return; }
    cal.replaceChildren(timeline(answer.body.items, start, end));
    list.replaceChildren(blockList(answer.body.items, vehicle, () => reload()));
  };
  const loadHistory = async (v) => {
    const after = Math.max(0, ((v && v.version) || 0) - 50);
    const answer = await get(`/console/api/commands/v1/vehicles/${id}/history`, { after_version: after });
    audit.replaceChildren(answer.ok ? history(answer.body.items) : el("p", { class: "error", text: problemOf(answer).message }));
  };
  const reload = async () => {
    const v = await loadVehicle();
    vehicle = v;
    await loadCalendar();
    await loadHistory(v);
    container.dataset.loaded = "true";
  };
  const nav = (dir) => () => { anchor = dir ? shift(view, anchor, dir) : serverNow(); loadCalendar(); };
  viewPicker.addEventListener("change", () => { view = viewPicker.value; loadCalendar(); });
  container.append(head,
    el("section", { "aria-labelledby": "cal-h" }, el("h2", { id: "cal-h", text: "Calendar" }),
      el("div", { class: "toolbar" }, field("View", viewPicker),
        el("button", { type: "button", class: "secondary", onclick: nav(-1), "aria-label": "Previous", text: "‹" }),
        el("button", { type: "button", class: "secondary", onclick: nav(0), text: "Today" }),
        el("button", { type: "button", class: "secondary", onclick: nav(1), "aria-label": "Next", text: "›" }), title),
      el("p", { class: "legend" }, ["booking", "hold", "maintenance"].map((k) => el("span", { class: `badge k-${k}`, text: k }))),
      cal, list),
    el("section", { "aria-labelledby": "act-h" }, el("h2", { id: "act-h", text: "Actions" }), actions(id, reload)),
    el("section", { "aria-labelledby": "aud-h" }, el("h2", { id: "aud-h", text: "Audit trail (latest 50)" }), audit));
  reload();
  let pending = null;
  const stop = onChange((change) => {
    if (!change.resync && change.vehicle_id !== id) return;
    clearTimeout(pending);
    pending = setTimeout(reload, 50);
  });
  const ticker = setInterval(() => {
    const nowMs = serverNow().getTime();
    container.querySelectorAll("[data-expires-at]").forEach((node) => {
      if (!node.dataset.expiresAt) return;
      const target = node.classList.contains("blk") ? node.querySelector(".blk-label") : node;
      target.textContent = node.classList.contains("blk") ? `Hold · ${countdown(node.dataset.expiresAt, nowMs)}` : countdown(node.dataset.expiresAt, nowMs);
    });
  }, 1000);
  return () => { stop(); clearTimeout(pending); clearInterval(ticker); };
}
