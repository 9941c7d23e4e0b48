// The API as the page uses it: same-origin fetches with the HttpOnly auth cookies, one refresh
// on a 401, errors as ApiError {status, code, detail}.
export const API = "/api/v1";

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

let onSessionLost = () => {};
export function whenSessionLost(callback) {
  onSessionLost = callback;
}

async function errorFrom(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    /* not JSON */
  }
  let detail = body.detail;
  if (Array.isArray(detail)) detail = detail.map((e) => `${(e.loc || []).slice(1).join(".")}: ${e.msg}`).join("; ");
  return new ApiError(response.status, body.code || "http_" + response.status, detail || response.statusText);
}

async function send(path, options) {
  try {
    return await fetch(path, { credentials: "same-origin", ...options });
  } catch {
    throw new ApiError(0, "network", "");
  }
}

let refreshing = null;
async function refresh() {
  refreshing ??= send(`${API}/auth/refresh`, { method: "POST" }).finally(() => {
    refreshing = null;
  });
  return (await refreshing).ok;
}

/** `call("GET", "/users/me")` -> parsed JSON (null for 204). */
export async function call(method, path, body, { retry = true, raw = false } = {}) {
  const options = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const url = path.startsWith("/") && !path.startsWith(API) ? API + path : path;
  const response = await send(url, options);
  if (response.status === 401 && retry && !url.startsWith(`${API}/auth/`)) {
    if (await refresh()) return call(method, path, body, { retry: false, raw });
    onSessionLost();
  }
  if (!response.ok && response.status !== 202) throw await errorFrom(response);
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

/** The form upload of a ticket (S3 POST policy or the local stand-in), with upload progress. */
export function postForm(ticket, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
    form.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", ticket.url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(Math.round((100 * event.loaded) / event.total));
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      let code = "upload_failed";
      let detail = xhr.statusText;
      try {
        const body = JSON.parse(xhr.responseText);
        code = body.code || code;
        detail = body.detail || detail;
      } catch {
        /* S3 answers XML */
      }
      reject(new ApiError(xhr.status, code, detail));
    };
    xhr.onerror = () => reject(new ApiError(0, "network", ""));
    xhr.send(form);
  });
}

/** Follow a scan's server-sent events; resolves with the final stage ("done" or "failed"). */
export function followEvents(eventsUrl, onStage) {
  return new Promise((resolve) => {
    const source = new EventSource(new URL(eventsUrl, location.href).pathname);
    const finish = (stage) => {
      source.close();
      resolve(stage);
    };
    for (const stage of ["queued", "analysing", "grounding"]) {
      source.addEventListener(stage, () => onStage(stage));
    }
    source.addEventListener("done", () => finish("done"));
    source.addEventListener("failed", () => finish("failed"));
    source.addEventListener("timeout", () => finish("timeout"));
    // A dropped stream (expired access cookie, proxy timeout): the caller polls the result instead.
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) finish("error");
    };
  });
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
