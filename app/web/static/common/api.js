// The public API, nothing private: bearer tokens from /auth/token, problem+json errors, ETags on actions.
import { lang } from './i18n.js';

const TOKEN = 'csc.token';
export const session = {
  get token() { return sessionStorage.getItem(TOKEN); },
  set token(v) { if (v) sessionStorage.setItem(TOKEN, v); else sessionStorage.removeItem(TOKEN); },
};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

let unauthorized = null;
// Called on a 401 (expired or revoked token): the page shows its login without dropping what was typed.
export function onUnauthorized(handler) { unauthorized = handler; }

function url(path, query) {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.append(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function api(method, path, { body, form, etag, query, signal } = {}) {
  const headers = { 'Accept-Language': lang() === 'en' ? 'en' : 'zh-CN' };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  if (etag !== undefined) headers['If-Match'] = `"${etag}"`;
  const r = await fetch(url(path, query), { method, headers, body: payload, signal });
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
  if (!r.ok) {
    if (r.status === 401 && path !== '/auth/token' && unauthorized) unauthorized();
    throw new ApiError(r.status, data);
  }
  return data;
}

export const get = (path, query, opts = {}) => api('GET', path, { ...opts, query });
export const post = (path, body, opts = {}) => api('POST', path, { ...opts, body });

export async function login(username, password) {
  const d = await api('POST', '/auth/token', { form: new URLSearchParams({ username, password }) });
  session.token = d.access_token;
  return d;
}

export async function logout() {
  try { await api('POST', '/auth/logout'); } catch { /* the token may already be gone */ }
  session.token = null;
}

// A lifecycle action on the version last seen (If-Match); the answer is the case as it now stands.
export function act(c, action, body) {
  return api('POST', `/cases/${c.id}/actions/${action}`, { body: body ?? {}, etag: c.version });
}

export async function upload(file, kind = 'photo') {
  const form = new FormData();
  form.append('file', file);
  form.append('kind', kind);
  return api('POST', '/files', { form });
}

// Server-sent events over fetch (EventSource cannot send the Authorization header).
export async function stream(path, onEvent, signal) {
  const r = await fetch(path, { headers: { Authorization: `Bearer ${session.token}`, Accept: 'text/event-stream' }, signal });
  if (!r.ok) throw new ApiError(r.status, null);
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value.replace(/\r\n/g, '\n');
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const ev = {};
      for (const line of block.split('\n')) {
        const m = line.match(/^(\w+): ?(.*)$/);
        if (m) ev[m[1]] = ev[m[1]] ? `${ev[m[1]]}\n${m[2]}` : m[2];
      }
      if (ev.data) onEvent({ id: ev.id, type: ev.event, data: JSON.parse(ev.data) });
    }
  }
}

// The OpenAPI document, fetched once and only when an action form needs its schema.
let openapi = null;
export async function schemaOf(action) {
  openapi = openapi || (await fetch('/openapi.json').then((r) => r.json()));
  const op = openapi.paths[`/cases/{case_id}/actions/${action}`]?.post;
  const sch = op?.requestBody?.content?.['application/json']?.schema;
  const ref = (sch?.anyOf || [sch]).find((s) => s && s.$ref)?.$ref;
  return ref ? openapi.components.schemas[ref.split('/').pop()] : { properties: {} };
}
