// Intake: as the agent types, category suggestions, the address resolved, likely duplicates, knowledge articles,
// the emergency banner and the five elements; Ctrl+Enter files the order.
import { act, get, post } from '/web/api.js';
import { lang, n, t } from '/web/i18n.js';
import { $, badge, clearErrors, debounce, fmtTime, h, showErrors } from '/web/ui.js';

const DRAFT = 'csc.intake.draft';
const TYPES = ['complaint', 'help', 'consultation', 'report', 'suggestion', 'praise', 'other'];
const OPEN = new Set(['received', 'dispatched', 'signed', 'in_progress', 'return_review']);
window.__intakeTiming = window.__intakeTiming || {};

export async function render(view) {
  const s = { category: null, chosen: false, region: null, article: null, merge: null, howMin: 8, ctl: null };
  get('/calendar/profiles').then((p) => {
    const sel = Object.values(p).flat().find((x) => x.selected);
    if (sel?.spec?.intake_how_min_chars) { s.howMin = sel.spec.intake_how_min_chars; showMissing(); }
  }).catch(() => {});

  const input = (name, attrs = {}) => h('input', { id: `in-${name}`, name, ...attrs });
  const form = h('form', { id: 'intake-form', novalidate: true },
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'row' },
      fieldOf('caller_phone', input('caller_phone', { inputmode: 'tel', autocomplete: 'off', autofocus: true })),
      fieldOf('caller_name', input('caller_name', { autocomplete: 'off' }))),
    h('div', { id: 'caller-history', class: 'muted' }),
    fieldOf('description', h('textarea', { id: 'in-description', name: 'description', rows: 6 })),
    fieldOf('address', input('address', { autocomplete: 'off' })),
    h('div', { class: 'row' },
      fieldOf('work_order_type', h('select', { id: 'in-work_order_type', name: 'work_order_type' },
        TYPES.map((x) => h('option', { value: x }, n(x))))),
      fieldOf('category', h('select', { id: 'in-category', name: 'category' }, h('option', { value: '' }, '—'))),
      fieldOf('urgency', h('select', { id: 'in-urgency', name: 'urgency' },
        h('option', { value: '' }, '—'), ['normal', 'urgent', 'critical'].map((x) => h('option', { value: x }, n(x)))))),
    h('div', { id: 'missing', class: 'card', 'aria-live': 'polite' }),
    h('div', { id: 'choices', class: 'muted' }),
    h('button', { class: 'primary', type: 'submit', id: 'file-btn', title: t('file_hint') }, `${t('file_order')} (Ctrl+Enter)`));

  const side = h('div', {},
    h('div', { id: 'emergency', 'aria-live': 'assertive' }),
    panel('suggestions'), panel('address_result'), panel('duplicates'), panel('knowledge'));
  const result = h('div', { id: 'result' });
  view.append(h('div', { class: 'grid' }, h('section', { class: 'card' }, form, result), side));

  // Restore a draft (kept across an expired session or a reload).
  const draft = JSON.parse(sessionStorage.getItem(DRAFT) || '{}');
  for (const [k, v] of Object.entries(draft)) if (form[k] && form[k].tagName !== 'SELECT') form[k].value = v;

  function fieldOf(key, el) { return h('div', { class: 'field' }, h('label', { for: el.id }, t(key)), el); }
  function panel(key) { return h('section', { class: 'card', id: `p-${key}`, 'aria-live': 'polite' }, h('h2', {}, t(key)), h('div', { class: 'body' })); }
  const body = (key) => $(`#p-${key} .body`);

  function saveDraft() {
    const d = {};
    for (const k of ['caller_phone', 'caller_name', 'description', 'address']) d[k] = form[k].value;
    sessionStorage.setItem(DRAFT, JSON.stringify(d));
  }

  function showMissing() {
    const miss = [];
    if (!form.caller_phone.value.trim()) miss.push('who');
    if (!form.address.value.trim() && !s.region) miss.push('where');
    const text = form.description.value.trim();
    if (!text) miss.push('what'); else if (text.length < s.howMin) miss.push('how');
    $('#missing').replaceChildren(miss.length
      ? h('div', {}, h('strong', {}, t('missing')), h('ul', { class: 'missing' }, miss.map((m) => h('li', { dataset: { el: m } }, t(`el_${m}`)))))
      : h('strong', { class: 'ok' }, t('none_missing')));
  }

  function showChoices() {
    $('#choices').replaceChildren(
      s.article ? h('div', {}, `${t('answering_with')}: ${s.article.question} `, h('button', { type: 'button', class: 'btn small secondary', onclick: () => { s.article = null; showChoices(); } }, '×')) : '',
      s.merge ? h('div', {}, `${t('merged_into_target')}: ${s.merge.number} `, h('button', { type: 'button', class: 'btn small secondary', onclick: () => { s.merge = null; showChoices(); } }, '×')) : '');
  }

  function setCategory(cat, chosen) {
    const sel = form.category;
    if (![...sel.options].some((o) => o.value === cat.code)) sel.append(h('option', { value: cat.code }, `${cat.name} (${cat.code})`));
    sel.value = cat.code;
    s.category = cat.code;
    if (chosen) s.chosen = true;
  }

  async function words() {
    const text = form.description.value.trim();
    if (s.ctl) s.ctl.abort();
    if (text.length < 2) return;
    s.ctl = new AbortController();
    const { signal } = s.ctl;
    const started = window.__intakeTiming.lastInput;
    const kb = get('/knowledge/search', { q: text.slice(0, 200), limit: 3 }, { signal }).then(showKnowledge).catch(() => {});
    let res;
    try { res = await post('/hotline/classify', { text }, { signal }); } catch { return; }
    showSuggestions(res);
    window.__intakeTiming.suggestionsShown = performance.now();
    window.__intakeTiming.latency = window.__intakeTiming.suggestionsShown - started;
    showEmergency(res.emergency);
    await kb;
    duplicates();
  }

  function showSuggestions(res) {
    if (!s.chosen && res.suggestions[0]) setCategory(res.suggestions[0].category, false);
    body('suggestions').replaceChildren(h('ol', { class: 'plain', id: 'suggestion-list' }, res.suggestions.map((sg, i) =>
      h('li', {},
        h('button', { type: 'button', class: 'btn small' + (sg.category.code === s.category ? '' : ' secondary'), title: `Alt+Shift+${i + 1}`,
          onclick: () => { setCategory(sg.category, true); showSuggestions(res); duplicates(); } }, `${sg.category.name}`),
        ` ${Math.round(sg.score * 100)}% `,
        h('div', { class: 'reasons' }, h('span', { class: 'muted' }, `${t('reasons')}: `), sg.reasons.map((r) => h('span', {}, r)))))));
  }

  function showEmergency(em) {
    const box = $('#emergency');
    if (!em) { box.replaceChildren(); return; }
    box.replaceChildren(h('div', { class: 'emergency', role: 'alert', id: 'emergency-banner' },
      h('h2', {}, t('emergency')),
      em.handoffs.map((ho) => h('div', {},
        h('strong', {}, ho[lang() === 'en' ? 'name_en' : 'name'], ' — ', ho.services.map((sv) => `${lang() === 'en' ? sv.name_en : sv.name} ${sv.number}`).join(' · ')),
        h('div', { class: 'script' }, `${t('handoff_script')}: `, lang() === 'en' ? ho.script_en : ho.script)))));
    if (!form.urgency.value) form.urgency.value = 'critical';
  }

  function showKnowledge(res) {
    body('knowledge').replaceChildren(res.items.length ? h('ul', { class: 'plain' }, res.items.map((hit) => h('li', {},
      h('strong', {}, hit.article.question),
      h('details', {}, h('summary', {}, hit.article.code), h('p', {}, hit.article.answer)),
      h('button', { type: 'button', class: 'btn small secondary', onclick: () => { s.article = hit.article; showChoices(); } }, t('answer_with'))))) : h('p', { class: 'muted' }, t('no_items')));
  }

  const resolve = debounce(async () => {
    const address = form.address.value.trim();
    s.region = null;
    if (address.length < 2) { body('address_result').replaceChildren(); showMissing(); return; }
    let r;
    try { r = await post('/regions/resolve', { address }); } catch (err) {
      body('address_result').replaceChildren(h('p', { class: 'field-error' }, err.message)); showMissing(); return;
    }
    if (r.level === 'community' && !r.ambiguous) s.region = r.region_code;
    body('address_result').replaceChildren(
      h('p', { id: 'resolved' }, h('strong', {}, r.name || '—'), ` ${r.region_code || ''} · ${n(r.level)} · ${Math.round(r.confidence * 100)}%`),
      h('p', { class: 'muted' }, r.matched.map((m) => m.text).join(' › ')),
      r.candidates.length ? h('div', {}, h('strong', {}, t('candidates')), h('ul', { class: 'plain' }, r.candidates.map((c) => h('li', {},
        h('button', { type: 'button', class: 'btn small secondary', onclick: () => { s.region = c.region_code; body('address_result').querySelector('#resolved').textContent = `${c.path} ${c.region_code} ✓`; showMissing(); duplicates(); } }, t('choose')),
        ` ${c.path} `, h('span', { class: 'muted' }, c.reason || ''))))) : '');
    showMissing();
    duplicates();
  }, 150);

  async function duplicates() {
    if (!s.category || !s.region) { body('duplicates').replaceChildren(h('p', { class: 'muted' }, '—')); return; }
    let page;
    try { page = await get('/cases', { region: s.region, category: s.category, sort: 'created', limit: 5, status: [...OPEN].join(',') }); } catch { return; }
    body('duplicates').replaceChildren(page.items.length ? h('ul', { class: 'plain', id: 'duplicate-list' }, page.items.map((c) => h('li', {},
      h('a', { href: `#/case/${c.id}` }, c.number), ' ', badge(c.status), ' ', h('span', { class: 'muted' }, `${fmtTime(c.created_at)} ${c.title || ''}`), ' ',
      h('button', { type: 'button', class: 'btn small secondary', onclick: () => { s.merge = c; showChoices(); } }, t('merge_into'))))) : h('p', { class: 'muted' }, t('no_items')));
  }

  const history = debounce(async () => {
    const phone = form.caller_phone.value.trim();
    if (!/^1\d{10}$/.test(phone)) { $('#caller-history').replaceChildren(); return; }
    try {
      const page = await post('/hotline/callers/orders', { phone, limit: 5 });
      $('#caller-history').replaceChildren(page.items.length ? `${t('nav_history')}: ` : '', ...page.items.map((c) => h('a', { href: `#/case/${c.id}`, class: 'badge' }, `${c.number} ${n(c.status)}`)));
    } catch { /* history is a help, not a gate */ }
  }, 300);

  const wordsSoon = debounce(words, 60);
  form.description.addEventListener('input', () => { window.__intakeTiming.lastInput = performance.now(); wordsSoon(); showMissing(); saveDraft(); });
  form.address.addEventListener('input', () => { resolve(); saveDraft(); });
  form.caller_phone.addEventListener('input', () => { history(); showMissing(); saveDraft(); });
  form.caller_name.addEventListener('input', saveDraft);
  form.category.addEventListener('change', () => { s.category = form.category.value || null; s.chosen = true; duplicates(); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const b = {
      caller_phone: form.caller_phone.value.trim(), caller_name: form.caller_name.value.trim() || null,
      description: form.description.value.trim(), address: form.address.value.trim() || null,
      work_order_type: form.work_order_type.value, category: form.category.value || null, urgency: form.urgency.value || null,
    };
    if (s.region) b.region_code = s.region;
    if (s.article) b.answer_with_article = s.article.code;
    $('#file-btn').disabled = true;
    try {
      let order = await post('/hotline/orders', b);
      if (s.merge) order = { ...order, ...(await act(order, 'merge', { master_case_id: s.merge.id })) };
      sessionStorage.removeItem(DRAFT);
      showResult(order);
    } catch (err) { showErrors(form, err); } finally { $('#file-btn').disabled = false; }
  });

  function showResult(o) {
    const trace = o.routing?.trace || [];
    result.replaceChildren(h('div', { class: 'card', id: 'filed', role: 'status' },
      h('h2', {}, `${t('filed')}: `, h('a', { href: `#/case/${o.id}`, id: 'filed-number' }, o.number), ' ', badge(o.status), ' ', badge(o.urgency)),
      h('p', {}, `${t('lead_unit')}: `, h('strong', { id: 'filed-unit' }, o.lead_unit?.name || '—')),
      trace.length ? h('div', {}, h('strong', {}, t('routing_trace')), h('ol', {}, trace.map((x) => h('li', {}, lang() === 'en' ? x.text_en : x.text)))) : '',
      h('button', { type: 'button', class: 'btn secondary', id: 'new-call', onclick: () => { form.reset(); result.replaceChildren(); Object.assign(s, { category: null, chosen: false, region: null, article: null, merge: null }); ['suggestions', 'address_result', 'duplicates', 'knowledge'].forEach((k) => body(k).replaceChildren()); showEmergency(null); showChoices(); showMissing(); form.caller_phone.focus(); } }, t('new_call'))));
    result.querySelector('#filed-number').focus();
  }

  showMissing();
  if (draft.description) words();
  if (draft.address) resolve();
  const keys = (e) => { // anywhere on the screen: Ctrl+Enter files, Alt+Shift+1..3 picks a suggestion
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); return; }
    if (e.altKey && e.shiftKey && /^[1-3]$/.test(e.code.replace('Digit', ''))) {
      const btn = document.querySelectorAll('#suggestion-list button')[Number(e.code.replace('Digit', '')) - 1];
      if (btn) { e.preventDefault(); btn.click(); }
    }
  };
  document.addEventListener('keydown', keys);
  form.caller_phone.focus();
  return () => document.removeEventListener('keydown', keys);
}
