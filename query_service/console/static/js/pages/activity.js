// Live activity: the change stream as it arrives, newest first.
import { el } from "../dom.js";
import { when } from "../fmt.js";
import { plateOf } from "../names.js";
import { onChange } from "../stream.js";

const KEEP = 200;
const recent = []; // kept from sign-in on, so the page opens with what already happened
onChange((change) => {
  if (change.resync) return;
  recent.unshift(change);
  if (recent.length > KEEP) recent.pop();
});

function item(change) {
  const kinds = (change.changes || []).map((c) => c.kind).join(", ");
  return el("li", { dataset: { position: change.global_position } },
    el("time", { text: when(change.occurred_at) }), " ",
    el("strong", { text: change.event_type }), " · ",
    el("a", { href: `#/vehicle/${change.vehicle_id}`, text: plateOf(change.vehicle_id) }),
    ` · v${change.version}`, kinds ? ` · ${kinds}` : "");
}

export function render(container) {
  const list = el("ol", { class: "activity", "aria-live": "polite", reversed: true });
  container.append(el("h1", { text: "Live activity" }),
    el("p", { class: "muted", text: "Every change the read side projects, as it happens (newest first; the last 200)." }), list);
  list.append(...recent.map(item));
  const stop = onChange((change) => {
    if (change.resync) {
      list.prepend(el("li", { class: "muted", text: "Reconnected — changes during the gap are not shown." }));
      return;
    }
    list.prepend(item(change));
    while (list.children.length > KEEP) list.lastChild.remove();
  });
  return stop;
}
