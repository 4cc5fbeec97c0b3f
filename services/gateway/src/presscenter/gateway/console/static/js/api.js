// The gateway's API from the browser: OAuth2 password login, the access token kept in memory only,
// refreshed before it expires (the single-use refresh token is kept for this tab in sessionStorage so
// a reload keeps the session), and errors read from RFC 9457 problem+json.

const REFRESH_KEY = "pc.refresh";
let accessToken = null;
let refreshTimer = null;
let refreshing = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** Called with true on sign-in and false on sign-out (or a session that cannot be refreshed). */
export function onSession(listener) { listeners.add(listener); }
function notify(signedIn) { for (const listener of listeners) listener(signedIn); }

export function token() { return accessToken; }
export function hasSession() { return accessToken !== null || sessionStorage.getItem(REFRESH_KEY) !== null; }

function keep(pair) {
  accessToken = pair.access_token;
  sessionStorage.setItem(REFRESH_KEY, pair.refresh_token);
  clearTimeout(refreshTimer);
  // refresh at 80 % of the lifetime, so requests never wait for it
  refreshTimer = setTimeout(() => refresh().catch(() => {}), Math.max(5, pair.expires_in * 0.8) * 1000);
}

function forget() {
  accessToken = null;
  clearTimeout(refreshTimer);
  sessionStorage.removeItem(REFRESH_KEY);
}

async function problemOf(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try { return await response.json(); } catch { return null; }
  }
  return { detail: (await response.text()).slice(0, 300) || response.statusText };
}

export async function login(username, password) {
  const body = new URLSearchParams({ grant_type: "password", username, password });
  const response = await fetch("/v1/auth/token", { method: "POST", body });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  keep(await response.json());
  notify(true);
}

/** Trade the refresh token for a new pair; concurrent callers share one request. */
export function refresh() {
  if (refreshing) return refreshing;
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  if (!refreshToken) return Promise.reject(new ApiError(401, { detail: "not signed in" }));
  refreshing = (async () => {
    try {
      const response = await fetch("/v1/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: refreshToken }),
      });
      if (!response.ok) {
        const problem = await problemOf(response);
        if (response.status === 401 || response.status === 400) { forget(); notify(false); }
        throw new ApiError(response.status, problem);
      }
      keep(await response.json());
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function logout() {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  forget();
  notify(false);
  if (refreshToken) {
    await fetch("/v1/auth/logout", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refresh_token: refreshToken }),
    }).catch(() => {});
  }
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, item);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** One API call: JSON in and out; `params` become the query string. Throws ApiError. */
export async function api(path, { method = "GET", body, params, headers = {}, anonymous = false } = {}) {
  if (!accessToken && !anonymous && sessionStorage.getItem(REFRESH_KEY)) await refresh().catch(() => {});
  const send = () => fetch(path + query(params), {
    method,
    headers: {
      Accept: "application/json, application/problem+json",
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...(accessToken && !anonymous ? { Authorization: `Bearer ${accessToken}` } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  let response = await send();
  if (response.status === 401 && !anonymous && sessionStorage.getItem(REFRESH_KEY)) {
    await refresh();
    response = await send();
  }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

/** PUT bytes to a presigned URL with the headers it came with (no bearer token: the URL is the grant). */
export async function putBytes(request, blob) {
  const response = await fetch(request.url, { method: request.method || "PUT", headers: request.headers || {}, body: blob });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
}

/** The live stream's URL: EventSource cannot send headers, /v1/stream takes ?access_token= instead. */
export function streamUrl() {
  return accessToken ? `/v1/stream?access_token=${encodeURIComponent(accessToken)}` : "/v1/stream";
}
