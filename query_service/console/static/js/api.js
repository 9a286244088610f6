// Same-origin calls only. The session is an HttpOnly cookie this script never sees;
// state changes carry the CSRF cookie's value as X-CSRF-Token.
const listeners = { signedOut: [] };
export const onSignedOut = (fn) => listeners.signedOut.push(fn);

export const state = { session: null, serverOffsetMs: 0 };
export const serverNow = () => new Date(Date.now() + state.serverOffsetMs);

function csrfToken() {
  const found = document.cookie.split("; ").find((c) => c.startsWith("fleet_csrf="));
  return found ? decodeURIComponent(found.slice("fleet_csrf=".length)) : "";
}

async function parse(response) {
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  return { ok: response.ok, status: response.status, body };
}

export function adopt(session) {
  state.session = session;
  if (session && session.server_now) {
    state.serverOffsetMs = new Date(session.server_now).getTime() - Date.now();
  }
}

export async function post(path, body, headers = {}) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf-token": csrfToken(), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return parse(response);
}

let refreshing = null;
export function refreshSession() {
  refreshing ||= post("/console/session/refresh").then((answer) => {
    refreshing = null;
    if (answer.ok) adopt(answer.body);
    return answer.ok;
  });
  return refreshing;
}

async function withSession(call) {
  let answer = await call();
  if (answer.status === 401 && (await refreshSession())) answer = await call();
  if (answer.status === 401) listeners.signedOut.forEach((fn) => fn());
  return answer;
}

// `consistency`: a command answer's token; the read then waits until it includes that write.
export function get(path, params, consistency) {
  const query = params ? `?${new URLSearchParams(clean(params))}` : "";
  const headers = { accept: "application/json" };
  if (consistency) headers["x-consistency-token"] = consistency;
  return withSession(async () => parse(await fetch(path + query, { headers })));
}

export async function getAll(path, params, max = 20) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < max; page += 1) {
    const answer = await get(path, { ...params, limit: 500, cursor });
    if (!answer.ok) return answer;
    items.push(...answer.body.items);
    cursor = answer.body.next_cursor;
    if (!cursor) break;
  }
  return { ok: true, status: 200, body: { items } };
}

export function command(path, body) {
  const key = crypto.randomUUID();
  return withSession(() => post(`/console/api/commands/${path}`, body, { "idempotency-key": key }));
}

function clean(params) {
  return Object.fromEntries(
    Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== ""),
  );
}

// A problem+json answer as one readable sentence, plus the conflicting blocks of a 409.
export function problemOf(answer) {
  const body = answer.body || {};
  if (typeof body !== "object") return { message: `Error ${answer.status}`, conflicts: [] };
  let message = body.detail || body.title || `Error ${answer.status}`;
  if (Array.isArray(body.errors) && body.errors.length) {
    message += ": " + body.errors.map((e) => `${e.field || e.loc || ""} ${e.message || e.msg || ""}`.trim()).join("; ");
  }
  return { message, conflicts: Array.isArray(body.conflicts) ? body.conflicts : [] };
}
