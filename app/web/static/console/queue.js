// The unit's queue: its cases by deadline, coloured by the time left; a row opens the case and its actions.
import { get } from '/web/api.js';
import { n, t } from '/web/i18n.js';
import { badge, due, h } from '/web/ui.js';

export async function render(view, { me }) {
  const page = await get('/cases', { sort: 'due', limit: 100, status: 'dispatched,signed,in_progress,return_review,replied', unit: me.unit_id || undefined });
  view.append(h('section', { class: 'card' }, h('h2', {}, `${t('nav_queue')} · ${me.unit_name || ''}`, ' ',
    h('button', { type: 'button', class: 'btn small secondary', onclick: () => { view.replaceChildren(); render(view, { me }); } }, t('refresh'))),
  table(page.items)));
}

export function table(items) {
  if (!items.length) return h('p', { class: 'muted' }, t('no_items'));
  return h('table', { class: 'queue' },
    h('thead', {}, h('tr', {}, [t('number'), t('category'), t('status'), t('urgency'), t('sign_due'), t('handle_due')].map((x) => h('th', {}, x)))),
    h('tbody', {}, items.map((c) => h('tr', {
      class: 'clickable', tabindex: 0, dataset: { id: c.id, number: c.number },
      onclick: () => { location.hash = `#/case/${c.id}`; },
      onkeydown: (e) => { if (e.key === 'Enter') location.hash = `#/case/${c.id}`; },
    },
    h('td', {}, c.number), h('td', {}, c.category.name, h('div', { class: 'muted' }, c.title || '')), h('td', {}, badge(c.status)), h('td', {}, n(c.urgency) && badge(c.urgency)),
    h('td', {}, c.status === 'dispatched' ? due(c.sign_due) : '—'), h('td', {}, due(c.handle_due))))));
}
