// Maintenance due: every vehicle's service health, worst first.
import { getAll, problemOf } from "../api.js";
import { el, table } from "../dom.js";
import { km, when } from "../fmt.js";
import { loadPlates, plateOf } from "../names.js";

export function render(container) {
  const body = el("div");
  container.append(el("h1", { text: "Maintenance due" }),
    el("p", { class: "muted", text: "Ranked by health score (0 = service overdue, 100 = just serviced). Service falls due at 15,000 km or 365 days." }), body);
  (async () => {
    const [answer] = await Promise.all([getAll("/v1/analytics/maintenance/due", { score_below: 101 }), loadPlates()]);
    if (!answer.ok) { body.replaceChildren(el("p", { class: "error", text: problemOf(answer).message })); return; }
    const items = answer.body.items.slice().sort((a, b) => a.health_score - b.health_score);
    body.replaceChildren(table(["Score", "Vehicle", "Due", "Since service", "Trips since", "Last service"], items.map((m) =>
      el("tr", { dataset: { vehicleId: m.vehicle_id } },
        el("td", { class: "num" }, el("span", { class: `score ${m.health_score < 20 ? "low" : m.health_score < 50 ? "mid" : "ok"}`, text: m.health_score })),
        el("td", {}, el("a", { href: `#/vehicle/${m.vehicle_id}`, text: plateOf(m.vehicle_id) })),
        el("td", { text: m.due ? `yes (${m.due_reason}), since ${when(m.due_at)}` : "no" }),
        el("td", { text: `${km(m.km_since_service)}, ${m.days_since_service} d` }),
        el("td", { class: "num", text: m.trips_since_service }),
        el("td", { text: when(m.last_service_at) })))));
    container.dataset.loaded = "true";
  })();
  return null;
}
