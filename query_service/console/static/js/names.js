// Plates by vehicle id, read once per sign-in and kept current from the change stream.
import { get } from "./api.js";
import { short } from "./fmt.js";
import { onChange } from "./stream.js";

let loading = null;
const plates = new Map();

export function loadPlates() {
  loading ||= get("/console/api/board").then((answer) => {
    if (answer.ok) answer.body.items.forEach((v) => plates.set(v.vehicle_id, v.plate));
    else loading = null;
    return plates;
  });
  return loading;
}

// The fleet board already holds every vehicle: it fills the cache instead of a second read.
export function remember(vehicles) {
  vehicles.forEach((v) => plates.set(v.vehicle_id, v.plate));
  loading ||= Promise.resolve(plates);
}

export const plateOf = (id) => plates.get(id) || `vehicle ${short(id)}`;

export function forgetPlates() { loading = null; plates.clear(); }

onChange(async (change) => {
  if (change.event_type !== "VehicleRegistered" && change.event_type !== "VehicleDetailsUpdated") return;
  const answer = await get("/console/api/board", { vehicle_id: change.vehicle_id });
  if (answer.ok && answer.body.items.length) plates.set(change.vehicle_id, answer.body.items[0].plate);
});
