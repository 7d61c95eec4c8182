// Caller history: earlier orders from one number (the number travels in the body, never the URL).
import { post } from '/web/api.js';
import { t } from '/web/i18n.js';
import { clearErrors, h, showErrors } from '/web/ui.js';
import { table } from './queue.js';

export async function render(view) {
  const out = h('div', { id: 'history-result' });
  const input = h('input', { id: 'history-phone', name: 'phone', inputmode: 'tel', autocomplete: 'off' });
  const form = h('form', { class: 'card', novalidate: true }, h('h2', {}, t('history_title')),
    h('div', { class: 'form-error', role: 'alert', hidden: true }),
    h('div', { class: 'field' }, h('label', { for: 'history-phone' }, t('caller_phone')), input),
    h('button', { class: 'primary', type: 'submit' }, t('search')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    try { out.replaceChildren(table((await post('/hotline/callers/orders', { phone: input.value.trim(), limit: 50 })).items)); } catch (err) { showErrors(form, err); }
  });
  view.append(form, out);
  input.focus();
}
