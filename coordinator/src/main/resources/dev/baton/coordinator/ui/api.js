// The dashboard's only way to the coordinator: its JSON API (/api/v1), with the token the user logged in with.

const TOKEN_KEY = 'baton-token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) {
    sessionStorage.setItem(TOKEN_KEY, value.trim());
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

function headers(json) {
  const h = {};
  const t = token();
  if (t) {
    h.Authorization = 'Bearer ' + t;
  }
  if (json) {
    h['Content-Type'] = 'application/json';
  }
  return h;
}

/** An API error: the HTTP status and the google.rpc.Status the coordinator answered. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : 'HTTP ' + status);
    this.status = status;
    this.body = body;
  }

  /** The ErrorInfo reason, e.g. ROLE_TOO_WEAK. */
  get reason() {
    const info = (this.body && this.body.details || []).find(d => d['@type'].endsWith('google.rpc.ErrorInfo'));
    return info ? info.reason : '';
  }
}

/** Calls the API: GET by default; a body makes it JSON. Throws ApiError unless 2xx. */
export async function api(path, { method = 'GET', body } = {}) {
  const response = await fetch('/api/v1' + path, {
    method,
    headers: headers(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : {};
  if (!response.ok) {
    throw new ApiError(response.status, data);
  }
  return data;
}

/**
 * Follows a server-sent event stream of the API (fetch, not EventSource, so the token goes in a header): calls
 * onMessage with each message, and resolves when the stream ends. Abort with the signal.
 */
export async function follow(path, onMessage, signal) {
  const response = await fetch('/api/v1' + path, { headers: headers(false), signal });
  if (!response.ok) {
    const text = await response.text();
    throw new ApiError(response.status, text ? JSON.parse(text) : {});
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = 'message';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buffer += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.startsWith('event: ')) {
        event = line.slice(7);
      } else if (line.startsWith('data: ')) {
        const data = JSON.parse(line.slice(6));
        if (event === 'error') {
          throw new ApiError(0, data);
        }
        if (event === 'end') {
          return;
        }
        onMessage(data);
      } else if (line === '') {
        event = 'message';
      }
    }
  }
}

/** Query string of the defined values: {a: 1, b: [x, y]} -> ?a=1&b=x&b=y. */
export function query(params) {
  const parts = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') {
      continue;
    }
    for (const v of Array.isArray(value) ? value : [value]) {
      parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(v));
    }
  }
  return parts.length ? '?' + parts.join('&') : '';
}
