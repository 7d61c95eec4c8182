// Small DOM helpers shared by the console and the resident page.
import { n, t } from './i18n.js';

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Shanghai' });
}

// Deadline colour by time left: red when past, orange under 2 hours, amber under a day, green otherwise.
export function dueClass(iso, now = Date.now()) {
  if (!iso) return 'due-none';
  const left = new Date(iso).getTime() - now;
  if (left < 0) return 'due-over';
  if (left < 2 * 3600e3) return 'due-hours';
  if (left < 24 * 3600e3) return 'due-day';
  return 'due-ok';
}

export function timeLeft(iso, now = Date.now()) {
  if (!iso) return '—';
  const ms = new Date(iso).getTime() - now;
  if (ms < 0) return t('overdue');
  const hrs = ms / 3600e3;
  if (hrs < 1) return `${Math.round(ms / 60e3)} ${t('minutes')}`;
  if (hrs < 48) return `${Math.round(hrs)} ${t('hours')}`;
  return `${Math.round(hrs / 24)} ${t('days')}`;
}

export function due(iso) {
  return h('span', { class: `due ${dueClass(iso)}`, title: fmtTime(iso) }, `${fmtTime(iso)} · ${timeLeft(iso)}`);
}

export function badge(code, cls = '') { return h('span', { class: `badge b-${code} ${cls}` }, n(code)); }

// Show an API error in place: next to each field the problem+json names, and the message at the form's top.
export function showErrors(form, err) {
  clearErrors(form);
  let top = form.querySelector('.form-error');
  if (!top) { top = h('div', { class: 'form-error', role: 'alert' }); form.prepend(top); }
  const fields = err?.problem?.errors || [];
  for (const fe of fields) {
    const name = String(fe.field || '').split('.').pop();
    const input = form.querySelector(`[name="${name}"]`);
    if (!input) continue;
    input.setAttribute('aria-invalid', 'true');
    input.insertAdjacentElement('afterend', h('div', { class: 'field-error', role: 'alert' }, fe.message || err.message));
  }
  top.textContent = err.message;
  top.hidden = false;
}

export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((e) => e.remove());
  form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  const top = form.querySelector('.form-error');
  if (top) { top.textContent = ''; top.hidden = true; }
}

export function debounce(fn, ms) {
  let timer;
  return (...a) => { clearTimeout(timer); timer = setTimeout(() => fn(...a), ms); };
}

export function field(label, input) {
  if (!input.id) input.id = `f-${input.name || Math.random().toString(36).slice(2)}`;
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input);
}
