// The resident page: sign in or register, report with a photo and the location, my requests, messages, the reply, rating.
import { act, api, get, login, logout, onUnauthorized, post, session, upload } from '/web/api.js';
import { lang, n, setLang, t, translate } from '/web/i18n.js';
import { $, badge, clearErrors, fmtTime, h, showErrors } from '/web/ui.js';

const view = $('#view');
const TYPES = ['complaint', 'help', 'consultation', 'report', 'suggestion', 'praise'];

function input(name, attrs = {}) { return h('input', { id: `m-${name}`, name, ...attrs }); }
function field(key, el) { return h('div', { class: 'field' }, h('label', { for: el.id }, t(key)), el); }
function formOf(id, ...children) { return h('form', { id, novalidate: true }, h('div', { class: 'form-error', role: 'alert', hidden: true }), ...children); }

function nav() {
  const unread = h('span', { id: 'm-unread', class: 'badge b-dispatched', hidden: true });
  $('#nav').replaceChildren(...(session.token ? [
    h('a', { href: '#/report' }, t('report')), h('a', { href: '#/mine' }, t('my_cases')),
    h('a', { href: '#/inbox', id: 'm-inbox-link' }, t('inbox'), ' ', unread),
    h('button', { type: 'button', onclick: async () => { await logout(); location.hash = '#/'; route(); } }, t('logout'))] : []));
  if (session.token) void countUnread(unread);
}

async function countUnread(el) {
  try {
    const { counts } = await get('/me/notifications', { unread: true, limit: 1 });
    el.textContent = String(counts.unread); el.title = `${counts.unread} ${t('unread')}`; el.hidden = counts.unread === 0;
  } catch { el.hidden = true; }  // the count is a convenience: the page itself reports its own errors
}

async function inbox() {
  const page = await get('/me/notifications', { limit: 50 });
  const list = h('ul', { id: 'inbox-list', class: 'inbox' }, ...(page.items.length ? page.items.map((m) => h('li', {},
    h('button', { type: 'button', class: `case-item${m.read_at ? '' : ' unread'}`, dataset: { id: m.id, case: m.case_number }, onclick: async () => {
      if (!m.read_at) await post(`/me/notifications/${m.id}/read`, {});
      location.hash = `#/case/${m.case_id}`;
    } }, h('strong', {}, m.case_number), ' ', m.read_at ? '' : h('span', { class: 'badge b-dispatched' }, t('unread')),
    h('div', {}, m.text), h('div', { class: 'muted' }, fmtTime(m.created_at))))) : [h('li', { class: 'muted' }, t('no_items'))]));
  const all = h('button', { type: 'button', class: 'btn secondary', id: 'm-read-all', disabled: page.counts.unread === 0, onclick: async () => {
    await post('/me/notifications/read', {}); view.replaceChildren(); nav(); await inbox();
  } }, t('mark_all_read'));
  view.append(h('section', { class: 'card' }, h('h2', {}, t('inbox')), all, list));
}

function signIn() {
  const f = formOf('signin-form', field('phone', input('username', { inputmode: 'tel', autocomplete: 'username' })),
    field('password', input('password', { type: 'password', autocomplete: 'current-password' })), h('button', { class: 'primary', type: 'submit' }, t('login')));
  f.addEventListener('submit', async (e) => {
    e.preventDefault(); clearErrors(f);
    try { await login(f.username.value.trim(), f.password.value); location.hash = '#/mine'; route(); } catch (err) { showErrors(f, err); }
  });
  const r = formOf('register-form', field('name', input('name', { autocomplete: 'name' })), field('phone', input('phone', { inputmode: 'tel' })),
    field('password', input('password', { type: 'password', autocomplete: 'new-password' })), h('button', { class: 'primary', type: 'submit' }, t('register')));
  r.addEventListener('submit', async (e) => {
    e.preventDefault(); clearErrors(r);
    try {
      await post('/auth/register', { name: r.name.value.trim(), phone: r.phone.value.trim(), password: r.password.value });
      await login(r.phone.value.trim(), r.password.value); location.hash = '#/report'; route();
    } catch (err) { showErrors(r, err); }
  });
  view.append(h('section', { class: 'card' }, h('h2', {}, t('login')), f), h('section', { class: 'card' }, h('h2', {}, t('register')), r));
}

function report() {
  const pos = {};
  const photo = input('photo', { type: 'file', accept: 'image/*', capture: 'environment' });
  const preview = h('img', { class: 'photo-preview', alt: '', hidden: true });
  photo.addEventListener('change', () => { if (photo.files[0]) { preview.src = URL.createObjectURL(photo.files[0]); preview.hidden = false; } });
  const where = h('span', { class: 'muted', id: 'm-located' });
  const f = formOf('report-form',
    field('description', h('textarea', { id: 'm-description', name: 'description', rows: 5 })),
    field('address', input('address')),
    h('button', { type: 'button', class: 'btn secondary', onclick: () => navigator.geolocation?.getCurrentPosition((p) => {
      pos.latitude = p.coords.latitude; pos.longitude = p.coords.longitude; where.textContent = `${t('located')} ${pos.latitude.toFixed(5)}, ${pos.longitude.toFixed(5)}`;
    }, (err) => { where.textContent = err.message; }) }, t('use_location')), ' ', where,
    field('work_order_type', h('select', { id: 'm-work_order_type', name: 'work_order_type' }, TYPES.map((x) => h('option', { value: x }, n(x))))),
    field('photo', photo), preview,
    h('button', { class: 'primary', type: 'submit' }, t('submit')));
  f.addEventListener('submit', async (e) => {
    e.preventDefault(); clearErrors(f);
    try {
      const files = photo.files[0] ? [(await upload(photo.files[0], 'photo')).id] : [];
      const c = await post('/reports', { description: f.description.value.trim(), address: f.address.value.trim() || null, work_order_type: f.work_order_type.value, files, ...pos });
      if (c.call_now?.length) { callNow(c); return; }  // danger now: the numbers first, the case after
      location.hash = `#/case/${c.id}`;
    } catch (err) { showErrors(f, err); }
  });
  view.append(h('section', { class: 'card' }, h('h2', {}, t('report')), f));
}

function callNow(c) {
  view.replaceChildren(h('section', { class: 'card emergency', id: 'm-call-now', role: 'alert' },
    h('h2', {}, t('call_now')),
    c.call_now.map((x) => h('p', {}, h('a', { class: 'btn primary call', href: `tel:${x.number}` }, `${x.number} ${x.service}`), h('br'), x.say)),
    h('a', { href: `#/case/${c.id}`, id: 'm-call-now-case' }, `${t('reported')} ${c.number} ›`)));
}

async function mine() {
  const track = formOf('track-form', field('number', input('number')), h('button', { class: 'btn secondary', type: 'submit' }, t('track')));
  const list = h('div', { id: 'my-list' });
  const show = (items) => list.replaceChildren(...(items.length ? items.map((c) => h('button', { type: 'button', class: 'case-item', dataset: { id: c.id }, onclick: () => { location.hash = `#/case/${c.id}`; } },
    h('strong', {}, c.number), ' ', badge(c.status), h('div', {}, c.category.name), h('div', { class: 'muted' }, fmtTime(c.created_at)))) : [h('p', { class: 'muted' }, t('no_items'))]));
  track.addEventListener('submit', async (e) => {
    e.preventDefault(); clearErrors(track);
    try { show((await get('/cases', { number: track.number.value.trim() })).items); } catch (err) { showErrors(track, err); }
  });
  view.append(h('section', { class: 'card' }, h('h2', {}, t('my_cases')), track, list));
  show((await get('/cases', { sort: 'created', limit: 50 })).items);
}

async function casePage(id) {
  const c = await get(`/cases/${id}`);
  const files = await get(`/cases/${id}/files`).catch(() => []);
  const box = h('section', { class: 'card', id: 'm-case' },
    h('h2', {}, h('span', { id: 'm-number' }, c.number), ' ', h('span', { id: 'm-status' }, h('span', { class: `badge b-${c.status}` }, c.status_label))),
    h('p', {}, c.category.name, ' · ', c.location.region_name || '', ' ', c.location.address || ''),
    h('p', {}, c.description),
    c.reply ? h('div', { class: 'card', id: 'm-reply' }, h('h3', {}, t('reply')), h('p', {}, c.reply.text)) : '',
    (files || []).map((f) => h('div', {}, f.thumbnail_url ? h('img', { class: 'photo-preview', src: f.thumbnail_url, alt: f.name }) : h('a', { href: f.url }, f.name))),
    c.promised_due ? h('p', { class: 'muted', id: 'm-promised' }, `${t('promised_due')} ${fmtTime(c.promised_due)}`) : '',
    h('h3', {}, t('timeline')), h('ul', { class: 'timeline' }, c.steps.map((st) => h('li', { class: st.done ? 'done' : 'todo' }, `${st.at ? fmtTime(st.at) + ' ' : ''}${st.label}`))));
  view.append(h('a', { href: '#/mine' }, `‹ ${t('back')}`), box);
  if (c.allowed_actions.includes('rate')) {
    const sel = (name, opts) => h('select', { id: `m-${name}`, name }, opts.map(([v, l]) => h('option', { value: v }, l)));
    const f = formOf('rate-form',
      field('solved', sel('solved', [['true', t('true')], ['false', t('false')]])),
      field('satisfaction', sel('satisfaction', ['satisfied', 'basically_satisfied', 'dissatisfied'].map((x) => [x, t(x)]))),
      field('comment', h('textarea', { id: 'm-comment', name: 'comment', rows: 3 })), h('button', { class: 'primary', type: 'submit' }, t('rate')));
    f.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(f);
      try {
        await act(c, 'rate', { solved: f.solved.value === 'true', satisfaction: f.satisfaction.value, comment: f.comment.value.trim() || null });
        view.replaceChildren(); await casePage(id); view.prepend(h('p', { class: 'ok', role: 'status', id: 'm-thanks' }, t('thanks')));
      } catch (err) { showErrors(f, err); }
    });
    view.append(h('section', { class: 'card' }, h('h2', {}, t('rate')), f));
  }
}

async function route() {
  translate(); nav();
  view.replaceChildren();
  const [, name, arg] = location.hash.split('/');
  try {
    if (!session.token) signIn();
    else if (name === 'report') report();
    else if (name === 'case') await casePage(Number(arg));
    else if (name === 'inbox') await inbox();
    else await mine();
  } catch (err) { view.append(h('p', { class: 'form-error' }, err.message)); }
}

void api; void lang;
onUnauthorized(() => { session.token = null; route(); });
$('#lang').addEventListener('click', () => { setLang(lang() === 'zh' ? 'en' : 'zh'); route(); });
window.addEventListener('hashchange', route);
route();
