// The console shell: session, sign-in and sign-out, hash routing, the live ticker.
import { adopt, get, onSignedOut, post, problemOf, refreshSession, state } from "./api.js";
import { el } from "./dom.js";
import { time, zone } from "./fmt.js";
import { forgetPlates, plateOf } from "./names.js";
import { closeStream, onChange, onStreamState, openStream } from "./stream.js";
import * as activity from "./pages/activity.js";
import * as analytics from "./pages/analytics.js";
import * as bookings from "./pages/bookings.js";
import * as fleet from "./pages/fleet.js";
import * as maintenance from "./pages/maintenance.js";
import * as vehicle from "./pages/vehicle.js";

const PAGES = { fleet, vehicle, bookings, maintenance, analytics, activity };
const $ = (id) => document.getElementById(id);
let cleanup = null;
let renewTimer = null;

function showSignIn(message = "") {
  closeStream();
  forgetPlates();
  clearTimeout(renewTimer);
  if (cleanup) cleanup();
  cleanup = null;
  for (const id of ["top", "page", "foot", "ticker"]) $(id).hidden = true;
  $("page").replaceChildren();
  $("signin").hidden = false;
  $("signin-error").textContent = message;
  $("signin-email").focus();
}

function scheduleRenewal() {
  clearTimeout(renewTimer);
  // A minute or so early; the jitter keeps two tabs from presenting the same refresh
  // token at once, which the identity service treats as theft (it ends the sign-in).
  const inMs = state.session.expires_at * 1000 - Date.now() - 60000 - Math.random() * 30000;
  renewTimer = setTimeout(async () => {
    if (await refreshSession()) scheduleRenewal(); else showSignIn("Your session has ended.");
  }, Math.max(5000, inMs));
}

function showConsole() {
  $("signin").hidden = true;
  for (const id of ["top", "page", "foot", "ticker"]) $(id).hidden = false;
  $("who").textContent = state.session.role === "admin" ? "Admin" : "Fleet manager";
  scheduleRenewal();
  openStream();
  route();
}

function route() {
  if (!state.session) return;
  const [name, ...rest] = (location.hash.replace(/^#\/?/, "") || "fleet").split("/");
  const page = PAGES[name] || fleet;
  if (cleanup) cleanup();
  const container = $("page");
  container.replaceChildren();
  delete container.dataset.loaded;
  document.querySelectorAll("nav a").forEach((a) => {
    if (a.dataset.page === name) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
  cleanup = page.render(container, rest.map(decodeURIComponent)) || null;
}

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  const button = form.querySelector("button");
  button.disabled = true;
  $("signin-error").textContent = "";
  const answer = await post("/console/session", {
    email: form.email.value.trim(), password: form.password.value,
  });
  button.disabled = false;
  if (!answer.ok) {
    $("signin-error").textContent = problemOf(answer).message;
    return;
  }
  form.password.value = "";
  adopt(answer.body);
  showConsole();
}

async function signOut() {
  await post("/console/session/logout");
  adopt(null);
  showSignIn("You are signed out.");
}

function tick(change) {
  if (change.resync) return;
  const line = el("span", {},
    el("time", { text: time(change.occurred_at) }), " ",
    el("strong", { text: change.event_type }), ` · ${plateOf(change.vehicle_id)}`);
  $("ticker").replaceChildren(el("span", { class: "label", text: `Times in ${zone} · Latest change:` }), " ", line);
}

async function start() {
  $("tz").textContent = zone;
  $("ticker").replaceChildren(el("span", { class: "label", text: `Times in ${zone} · Latest change:` }), " none yet");
  $("signin-form").addEventListener("submit", signIn);
  $("logout").addEventListener("click", signOut);
  window.addEventListener("hashchange", route);
  onSignedOut(() => { adopt(null); showSignIn("Please sign in again."); });
  onStreamState((s) => {
    $("stream-state").textContent = s === "live" ? "Live updates: on." : "Live updates: reconnecting…";
  });
  onChange(tick);
  let answer = await get("/console/session");
  if (answer.ok && !answer.body.signed_in && answer.body.refreshable && (await refreshSession())) {
    answer = await get("/console/session");
  }
  if (answer.ok && answer.body.signed_in) {
    adopt(answer.body);
    showConsole();
  } else {
    showSignIn();
  }
}

start();
