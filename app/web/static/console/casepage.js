// A case: its facts, deadlines, position, routing trace, timeline, files, and every allowed action with its form
// (the form is built from the action's own body schema in the OpenAPI document).
import { act, get, schemaOf, upload } from '/web/api.js';
import { lang, n, t } from '/web/i18n.js';
import { badge, clearErrors, due, fmtTime, h, showErrors } from '/web/ui.js';

export async function render(view, { arg }) {
  const id = Number(arg);
  let c;
  try { c = await get(`/cases/${id}`); } catch (err) { view.append(h('p', { class: 'form-error' }, err.message)); return; }
  draw(view, c);
}

function draw(view, c) {
  const trace = [...c.timeline].reverse().find((e) => e.data?.trace)?.data.trace || [];
  const loc = c.location;
  view.replaceChildren(
    h('section', { class: 'card', id: 'case-head' },
      h('h2', {}, h('span', { id: 'case-number' }, c.number), ' ', h('span', { id: 'case-status' }, badge(c.status)), ' ', badge(c.urgency), ' ', n(c.work_order_type)),
      h('p', {}, `${t('category')}: ${c.category.name} (${c.category.code}) · ${t('lead_unit')}: `, h('strong', {}, c.lead_unit?.name || '—')),
      h('p', { class: 'description' }, c.description),
      c.reply ? h('div', { class: 'card', id: 'case-reply' }, h('h3', {}, t('reply')), h('p', {}, c.reply.text), h('p', { class: 'muted' }, c.reply.signer || '')) : ''),
    h('div', { class: 'grid' },
      h('div', {},
        h('section', { class: 'card actions', id: 'actions' }, h('h2', {}, t('actions')),
          c.allowed_actions.length ? h('div', { class: 'row' }, c.allowed_actions.map((a) =>
            h('button', { type: 'button', class: 'btn small', dataset: { action: a }, onclick: () => openForm(view, c, a) }, n(a)))) : h('p', { class: 'muted' }, t('no_items')),
          h('div', { id: 'action-form' })),
        h('section', { class: 'card' }, h('h2', {}, t('deadlines')),
          h('p', {}, `${t('sign_due')}: `, due(c.deadlines.sign_due)), h('p', {}, `${t('handle_due')}: `, due(c.deadlines.handle_due)),
          c.extension_request ? h('p', {}, `${n('request_extension')}: ${JSON.stringify(c.extension_request)}`) : '',
          c.return_request ? h('p', {}, `${n('return')}: ${c.return_request.reason || ''}`) : ''),
        h('section', { class: 'card' }, h('h2', {}, t('location')),
          h('p', {}, `${loc.region_name || ''} ${loc.region_code} · ${loc.address || ''}`),
          h('p', { id: 'coords' }, `${t('coordinates')}: `, loc.latitude != null ? `${loc.latitude.toFixed(5)}, ${loc.longitude.toFixed(5)}` : '—')),
        h('section', { class: 'card' }, h('h2', {}, t('assignments')), h('ul', { class: 'plain' }, c.assignments.map((a) =>
          h('li', {}, `${a.unit.name} · ${n(a.role)} · ${n(a.status)}`)))),
        h('section', { class: 'card', id: 'files' }, h('h2', {}, t('files')))),
      h('div', {},
        h('section', { class: 'card', id: 'trace' }, h('h2', {}, t('routing_trace')),
          h('ol', {}, trace.map((x) => h('li', {}, lang() === 'en' ? x.text_en : x.text)))),
        h('section', { class: 'card' }, h('h2', {}, t('timeline')),
          h('ul', { class: 'timeline', id: 'timeline' }, c.timeline.map((e) => h('li', {},
            h('strong', {}, n(e.type)), ` ${fmtTime(e.at)} `, e.actor_role ? h('span', { class: 'muted' }, n(e.actor_role)) : '',
            e.to_status ? ` → ${n(e.to_status)}` : '', e.reason ? h('div', { class: 'muted' }, e.reason) : '')))))));
  get(`/cases/${c.id}/files`).then((files) => {
    const box = view.querySelector('#files');
    for (const f of files || []) {
      box.append(h('div', {}, f.thumbnail_url ? h('img', { src: f.thumbnail_url, alt: f.name, class: 'photo-preview' }) : '', h('a', { href: f.url }, f.name)));
    }
  }).catch(() => {});
}

// One input per property of the body schema: enums are selects, booleans checkboxes, `files` a file picker.
function inputFor(name, prop, required) {
  const p = prop.anyOf ? prop.anyOf.find((x) => x.type !== 'null') || {} : prop;
  const id = `act-${name}`;
  let el;
  if (name === 'files') el = h('input', { id, name, type: 'file', multiple: true, accept: 'image/*,application/pdf' });
  else if (p.enum) el = h('select', { id, name }, required ? '' : h('option', { value: '' }, '—'), p.enum.map((v) => h('option', { value: v }, n(v))));
  else if (p.type === 'boolean') el = h('select', { id, name }, required ? '' : h('option', { value: '' }, '—'), h('option', { value: 'true' }, t('true')), h('option', { value: 'false' }, t('false')));
  else if (p.type === 'integer' || p.type === 'number') el = h('input', { id, name, type: 'number', min: p.minimum, max: p.maximum });
  else if (p.type === 'array') el = h('input', { id, name, placeholder: '1,2,3' });
  else if ((p.maxLength || 0) > 500) el = h('textarea', { id, name, rows: 3 });
  else el = h('input', { id, name });
  el.dataset.kind = name === 'files' ? 'files' : p.type || (p.enum ? 'string' : 'string');
  return h('div', { class: 'field' }, h('label', { for: id }, `${n(name)}${required ? ' *' : ''}`), el,
    prop.description && lang() === 'en' ? h('span', { class: 'muted' }, prop.description) : '');
}

async function openForm(view, c, action) {
  const box = view.querySelector('#action-form');
  const schema = await schemaOf(action);
  const props = schema.properties || {};
  const required = new Set(schema.required || []);
  const form = h('form', { id: `form-${action}`, novalidate: true },
    h('h3', {}, n(action)), h('div', { class: 'form-error', role: 'alert', hidden: true }),
    Object.entries(props).map(([k, p]) => inputFor(k, p, required.has(k))),
    h('div', { class: 'row' }, h('button', { class: 'primary', type: 'submit' }, t('submit')),
      h('button', { class: 'btn secondary', type: 'button', onclick: () => box.replaceChildren() }, t('cancel'))));
  box.replaceChildren(form);
  (form.querySelector('input,select,textarea,button') || form).focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = {};
    try {
      for (const el of form.querySelectorAll('[name]')) {
        const k = el.name;
        if (el.dataset.kind === 'files') {
          const ids = [];
          for (const f of el.files) ids.push((await upload(f, 'photo')).id);
          if (ids.length) body[k] = ids;
        } else if (el.value === '') continue;
        else if (el.dataset.kind === 'boolean') body[k] = el.value === 'true';
        else if (el.dataset.kind === 'integer' || el.dataset.kind === 'number') body[k] = Number(el.value);
        else if (el.dataset.kind === 'array') body[k] = el.value.split(/[,，\s]+/).filter(Boolean).map(Number);
        else body[k] = el.value;
      }
      const updated = await act(c, action, body);
      draw(view, updated);
      view.querySelector('#case-status').focus?.();
    } catch (err) { showErrors(form, err); }
  });
}
