// Bookings: search by customer, vehicle, status and window; cancel after seeing the refund.
import { command, get, problemOf, serverNow } from "../api.js";
import { loadPlates, plateOf } from "../names.js";
import { el, field, select, table } from "../dom.js";
import { fromLocalInput, money, short, span } from "../fmt.js";
import { conflictList } from "./vehicle.js";

const STATUSES = [["", "Any status"], ["confirmed", "Confirmed"], ["cancelled", "Cancelled"], ["completed", "Completed"]];

function cancelPanel(booking, onDone) {
  const panel = el("div", { class: "confirm", role: "region", "aria-label": "Cancel booking" });
  const show = async () => {
    const answer = await get(`/console/api/bookings/${booking.booking_id}/refund`);
    if (!answer.ok) { panel.replaceChildren(el("p", { class: "error", text: problemOf(answer).message })); return; }
    const r = answer.body;
    if (!r.cancellable) {
      panel.replaceChildren(el("p", { class: "error", text: `This booking is ${r.status === "confirmed" ? "under way" : r.status}; it cannot be cancelled.` }));
      return;
    }
    const reason = el("input", { type: "text", name: "reason", required: true, maxlength: 500, value: "" });
    const message = el("div", { class: "message", role: "status" });
    const form = el("form", {},
      el("p", { class: "refund", text: `Refund if cancelled now: ${money(r.refund_cents, r.currency)} (${r.refund_percent} % of ${money(r.price_cents, r.currency)})` }),
      field("Reason", reason),
      el("div", { class: "buttons" },
        el("button", { type: "submit", class: "danger", text: "Confirm cancellation" }),
        el("button", { type: "button", class: "secondary", text: "Keep booking", onclick: () => panel.remove() })),
      message);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const result = await command(`v1/bookings/${booking.booking_id}/cancel`, { reason: reason.value });
      if (result.ok) {
        // The list is read again once it includes the cancellation; the message stays above it.
        onDone(`Cancelled. Refunded ${money(result.body.refund_cents, result.body.currency)}.`, result.body.consistency_token);
      } else {
        const p = problemOf(result);
        message.className = "message error";
        message.replaceChildren(el("p", { text: p.message }), conflictList(p.conflicts) || "");
      }
    });
    panel.replaceChildren(form);
    reason.focus();
  };
  show();
  return panel;
}

// The price, and on opening how it was derived: its breakdown lines, deposit and policy.
function priceCell(b) {
  const lines = b.breakdown.map((line) => el("li", {}, el("span", { text: line.label }), " ",
    el("span", { class: "num", text: money(line.amount_cents, b.currency) })));
  const source = b.policy_id ? `policy ${short(b.policy_id)}, version ${b.policy_version}` : "the vehicle's own rates";
  const demand = b.demand ? `; demand ${Math.round(b.demand.utilization * 100)} % (× ${b.demand.multiplier})` : "";
  const deposit = b.deposit_cents ? `; deposit ${money(b.deposit_cents, b.currency)}` : "";
  return el("td", { class: "num" }, el("details", { class: "breakdown" },
    el("summary", { text: money(b.price_cents, b.currency) }),
    el("ul", { "aria-label": "Price breakdown" }, ...lines),
    el("p", { class: "muted", text: `Priced by ${source}${demand}${deposit}.` })));
}

// The booking's payment: its status, and the money authorized, captured, voided and refunded.
function paymentCell(b) {
  const p = b.payment;
  if (!p) return el("td", { class: "payment muted", dataset: { payment: "none" }, text: "—", title: "Booked without a payment" });
  const moved = [["authorized", p.authorized_cents], ["captured", p.captured_cents], ["voided", p.voided_cents], ["refunded", p.refunded_cents]]
    .filter(([kind, cents]) => cents > 0 || kind === "authorized").map(([kind, cents]) => `${kind} ${money(cents, p.currency)}`);
  return el("td", { class: "payment", dataset: { payment: p.status } },
    el("span", { class: `badge pay-${p.status}`, text: p.status }),
    el("span", { class: "amounts muted", text: moved.join(" · ") }));
}

function rows(items, reload) {
  const now = serverNow();
  return items.map((b) => {
    const cancel = b.status === "confirmed" && new Date(b.start) > now
      ? el("button", { type: "button", class: "secondary", text: "Cancel…", dataset: { cancel: b.booking_id } }) : "";
    const tr = el("tr", { dataset: { bookingId: b.booking_id, status: b.status } },
      el("td", { class: "mono", text: short(b.booking_id) }),
      el("td", {}, el("a", { href: `#/vehicle/${b.vehicle_id}`, text: plateOf(b.vehicle_id) })),
      el("td", { class: "mono", text: short(b.customer_id) }),
      el("td", { text: span(b.start, b.end) }),
      el("td", {}, el("span", { class: `badge bk-${b.status}`, text: b.status })),
      priceCell(b),
      paymentCell(b),
      el("td", {}, cancel));
    if (cancel) cancel.addEventListener("click", () => {
      const cell = el("td", { colspan: 8 });
      const detail = el("tr", { class: "detail" }, cell);
      cell.append(cancelPanel(b, reload));
      tr.after(detail);
    });
    return tr;
  });
}

export function render(container, [vehicleId]) {
  const results = el("div");
  const notice = el("div", { role: "status" });
  const inputs = {
    customer_id: el("input", { type: "text", name: "customer_id", placeholder: "Customer id (UUID)" }),
    vehicle_id: el("input", { type: "text", name: "vehicle_id", placeholder: "Vehicle id (UUID)", value: vehicleId || "" }),
    status: select("status", STATUSES, ""),
    from: el("input", { type: "datetime-local", name: "from" }),
    to: el("input", { type: "datetime-local", name: "to" }),
  };
  const search = async (done, consistency) => {
    notice.replaceChildren(typeof done === "string" ? el("p", { class: "message ok", text: done }) : "");
    await loadPlates();
    const answer = await get("/v1/bookings", {
      customer_id: inputs.customer_id.value.trim(), vehicle_id: inputs.vehicle_id.value.trim(),
      status: inputs.status.value, from: fromLocalInput(inputs.from.value), to: fromLocalInput(inputs.to.value), limit: 200,
    }, consistency);
    if (!answer.ok) { results.replaceChildren(el("p", { class: "error", role: "alert", text: problemOf(answer).message })); return; }
    const items = answer.body.items;
    results.replaceChildren(el("p", { class: "muted", text: `${items.length} booking${items.length === 1 ? "" : "s"}${answer.body.next_cursor ? " (first 200)" : ""}` }),
      table(["Booking", "Vehicle", "Customer", "Window", "Status", "Price", "Payment", ""], rows(items, search)));
    container.dataset.loaded = "true";
  };
  const form = el("form", { class: "filters", role: "search" },
    field("Customer", inputs.customer_id), field("Vehicle", inputs.vehicle_id), field("Status", inputs.status),
    field("From", inputs.from), field("To", inputs.to), el("button", { type: "submit", text: "Search" }));
  form.addEventListener("submit", (event) => { event.preventDefault(); search(); });
  container.append(el("h1", { text: "Bookings" }), form, notice, results);
  search();
  return null;
}
