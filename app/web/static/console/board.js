// The dispatcher's oversight board: returns to review, extensions to decide, overdue, chased, supervised, callbacks.
import { get } from '/web/api.js';
import { t } from '/web/i18n.js';
import { h } from '/web/ui.js';
import { table } from './queue.js';

const SECTIONS = [
  ['board_returns', { status: 'return_review' }],
  ['board_overdue', { overdue: 'true', status: 'dispatched,signed,in_progress' }],
  ['board_chased', { chased: 'true' }],
  ['board_supervised', { supervised: 'true' }],
  ['board_callbacks', { status: 'replied' }],
];

export async function render(view) {
  const grid = h('div', { class: 'grid', id: 'board' });
  view.append(grid);
  const cards = await Promise.all(SECTIONS.map(async ([key, q]) => {
    const page = await get('/cases', { ...q, sort: 'due', limit: 20, count: 'true' }).catch(() => ({ items: [] }));
    return h('section', { class: 'card', id: key }, h('h2', {}, `${t(key)} (${page.total?.value ?? page.items.length})`), table(page.items));
  }));
  // Extensions have no filter of their own: the latest requests from the feed whose case still awaits a decision.
  const feed = await get('/feed/events', { types: 'request_extension', limit: 100 }).catch(() => ({ items: [] }));
  const seen = new Map();
  for (const e of feed.items) seen.set(e.case.id, e.case);
  const waiting = [];
  for (const fc of seen.values()) {
    const c = await get(`/cases/${fc.id}`).catch(() => null);
    if (c?.allowed_actions.includes('approve_extension')) waiting.push({ ...c, region_code: c.location.region_code, sign_due: c.deadlines.sign_due, handle_due: c.deadlines.handle_due });
  }
  cards.splice(1, 0, h('section', { class: 'card', id: 'board_extensions' }, h('h2', {}, `${t('board_extensions')} (${waiting.length})`), table(waiting)));
  grid.append(...cards);
}
