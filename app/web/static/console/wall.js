// The live wall: today's intake by category and street from the cases and the SSE feed, emergencies on top.
import { get, stream } from '/web/api.js';
import { n, t } from '/web/i18n.js';
import { fmtTime, h } from '/web/ui.js';

// Widths set through the CSSOM: the pages' CSP allows no inline style attributes.
function bar(v) {
  const el = h('div', { class: 'bar' });
  el.style.width = `${Math.min(100, v * 10)}%`;
  return el;
}

export async function render(view) {
  const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
  const cases = new Map();
  const names = new Map();
  const items = [];
  let cursor;
  for (let i = 0; i < 10; i++) { // up to 1,000 cases of today, a page (the API's largest) at a time
    const page = await get('/cases', { created_from: today, sort: 'created', limit: 100, cursor }).catch(() => ({ items: [] }));
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  for (const c of items) cases.set(c.id, { id: c.id, number: c.number, category: c.category.name, region_code: c.region_code, urgency: c.urgency, at: c.created_at });
  const live = [];
  const wall = h('div', { class: 'wall', id: 'wall' });
  view.append(wall);

  async function streetName(code) {
    const street = `${code.slice(0, 9)}000`;
    if (!names.has(street)) names.set(street, get(`/regions/${street}`).then((r) => r.name).catch(() => street));
    return names.get(street);
  }

  async function draw() {
    const all = [...cases.values()];
    const count = (key) => all.reduce((m, c) => m.set(c[key], (m.get(c[key]) || 0) + 1), new Map());
    for (const c of all) c.street = await streetName(c.region_code);
    const bars = (m) => h('ul', { class: 'plain' }, [...m].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, v]) => h('li', {},
      `${k} · ${v}`, bar(v))));
    const emerg = all.filter((c) => c.urgency === 'critical');
    wall.replaceChildren(
      h('div', { class: 'card emerg', id: 'wall-emergencies' }, h('h2', {}, `${t('wall_emergencies')} (${emerg.length})`),
        h('ul', {}, emerg.map((c) => h('li', {}, `${c.number} · ${c.category} · ${c.street} · ${fmtTime(c.at)}`)))),
      h('div', { class: 'cols' },
        h('div', { class: 'card' }, h('h2', {}, t('wall_today')), h('div', { class: 'big', id: 'wall-total' }, String(all.length))),
        h('div', { class: 'card', id: 'wall-categories' }, h('h2', {}, t('wall_by_category')), bars(count('category'))),
        h('div', { class: 'card', id: 'wall-streets' }, h('h2', {}, t('wall_by_street')), bars(count('street'))),
        h('div', { class: 'card', id: 'wall-live' }, h('h2', {}, t('wall_live')),
          h('ul', { class: 'plain' }, live.slice(0, 12).map((e) => h('li', {}, `${fmtTime(e.at)} ${n(e.type)} ${e.case.number} ${n(e.case.status)}`))))));
  }

  const ctl = new AbortController();
  const catNames = get('/categories').then((r) => new Map(r.items.map((c) => [c.code, c.name]))).catch(() => new Map());
  stream('/feed/stream', async ({ data }) => {
    live.unshift(data);
    if (data.type === 'create' || !cases.has(data.case.id)) {
      const name = (await catNames).get(data.case.category_code) || data.case.category_code;
      cases.set(data.case.id, { id: data.case.id, number: data.case.number, category: name, region_code: data.case.region_code, urgency: data.case.urgency, at: data.at });
    } else cases.get(data.case.id).urgency = data.case.urgency;
    draw();
  }, ctl.signal).catch(() => {});
  await draw();
  return () => ctl.abort();
}
