// Fleet board: every vehicle, filterable, kept current from the change stream.
import { get } from "../api.js";
import { el, esc, field, select } from "../dom.js";
import { km, paymentSummary, span, when } from "../fmt.js";
import { remember } from "../names.js";
import { onChange } from "../stream.js";

export const STATUSES = [["", "Any status"], ["available", "Available"], ["in_use", "In use"],
  ["maintenance", "Maintenance"], ["inactive", "Inactive"], ["retired", "Retired"]];
const HEADERS = ["Plate", "Vehicle", "Status", "Health", "Odometer", "Location", "Current / next booking"];
const WATCHED = new Set(["vehicle", "calendar", "booking", "trip", "maintenance"]);

export function statusBadge(status) {
  return el("span", { class: `badge st-${status}`, text: status.replace("_", " ") });
}

function bookingText(b, onTrip) {
  if (onTrip && !(b && b.current)) return "On a trip (past its booking's end)";
  if (!b) return "—";
  const when_ = b.current ? `Now, until ${when(b.end)}` : `Next: ${span(b.start, b.end)}`;
  return b.payment ? `${when_} · payment ${paymentSummary(b.payment)}` : when_;
}

// One row as HTML (every value escaped): 2,000 rows parse far faster than they build.
function rowHtml(v) {
  const h = v.health;
  const where = v.home ? `${v.home.lat.toFixed(3)}, ${v.home.lon.toFixed(3)}` : "—";
  const due = h.service_due ? '<span class="badge due">due</span> ' : "";
  const cells = [
    `<a href="#/vehicle/${esc(v.vehicle_id)}">${esc(v.plate)}</a>`,
    esc(`${v.make} ${v.model}`),
    `<span class="badge st-${esc(v.status)}">${esc(v.status.replace("_", " "))}</span>`,
    `${due}${esc(`${km(h.km_since_service)} / ${h.days_since_service} d since service`)}`,
    esc(km(v.odometer_km)), esc(where), esc(bookingText(v.booking, v.on_trip)),
  ];
  const classes = ["", "", "", "", ' class="num"', "", ' class="booking"'];
  const tds = cells.map((c, i) => `<td role="cell" data-label="${HEADERS[i]}"${classes[i]}>${c}</td>`).join("");
  return `<tr role="row" data-vehicle-id="${esc(v.vehicle_id)}" data-status="${esc(v.status)}">${tds}</tr>`;
}

function rowsOf(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}

export function render(container) {
  const rows = new Map();
  const vehicles = new Map();
  const tbody = el("tbody", { role: "rowgroup" });
  const count = el("p", { class: "muted", "aria-live": "polite" });
  const search = el("input", { type: "search", name: "q", placeholder: "Plate, make, model or id" });
  const status = select("status", STATUSES, "");
  const matches = (v) => {
    const q = search.value.trim().toLowerCase();
    const hay = `${v.plate} ${v.make} ${v.model} ${v.vehicle_id}`.toLowerCase();
    return (!status.value || v.status === status.value) && (!q || hay.includes(q));
  };
  const applyFilter = () => {
    let shown = 0;
    for (const [id, tr] of rows) {
      tr.hidden = !matches(vehicles.get(id));
      if (!tr.hidden) shown += 1;
    }
    count.textContent = `${shown} of ${rows.size} vehicles`;
  };
  const put = (v) => {
    vehicles.set(v.vehicle_id, v);
    const fresh = rowsOf(rowHtml(v)).firstElementChild;
    const old = rows.get(v.vehicle_id);
    if (old) { old.replaceWith(fresh); fresh.classList.add("flash"); } else tbody.append(fresh);
    rows.set(v.vehicle_id, fresh);
    fresh.hidden = !matches(v);
  };
  const loadAll = async () => {
    const answer = await get("/console/api/board");
    if (!answer.ok) return;
    const items = answer.body.items;
    remember(items);
    vehicles.clear();
    items.forEach((v) => vehicles.set(v.vehicle_id, v));
    tbody.replaceChildren(rowsOf(items.map(rowHtml).join(""))); // one parse, one layout
    rows.clear();
    for (const tr of tbody.children) rows.set(tr.dataset.vehicleId, tr);
    applyFilter();
    performance.mark("fleet-board-rendered"); // for bench/console.py's breakdown
    container.dataset.loaded = "true";
  };
  const pending = new Map();
  const refreshOne = (id) => {
    clearTimeout(pending.get(id));
    pending.set(id, setTimeout(async () => {
      pending.delete(id);
      const answer = await get("/console/api/board", { vehicle_id: id });
      if (answer.ok && answer.body.items.length) { put(answer.body.items[0]); applyFilter(); }
    }, 50)); // coalesces the several changes one command makes
  };
  search.addEventListener("input", applyFilter);
  status.addEventListener("change", applyFilter);
  container.append(
    el("h1", { text: "Fleet" }),
    el("form", { class: "filters", role: "search", onsubmit: (e) => e.preventDefault() },
      field("Search", search), field("Status", status)),
    count,
    el("div", { class: "scroll" }, el("table", { class: "grid board", role: "table", "aria-label": "Fleet" },
      el("thead", { role: "rowgroup" }, el("tr", { role: "row" },
        HEADERS.map((h) => el("th", { scope: "col", role: "columnheader", text: h })))),
      tbody)));
  loadAll();
  const stop = onChange((change) => {
    if (change.resync) { loadAll(); return; }
    if ((change.changes || []).some((c) => WATCHED.has(c.kind))) refreshOne(change.vehicle_id);
  });
  return () => { stop(); pending.forEach(clearTimeout); };
}
