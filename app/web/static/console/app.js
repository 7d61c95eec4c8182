// The console: sign in, pick the screens the role works in, route by the hash, keyboard shortcuts.
import { get, login, logout, onUnauthorized, session } from '/web/api.js';
import { lang, setLang, t, translate } from '/web/i18n.js';
import { $, clearErrors, h, showErrors } from '/web/ui.js';

const SCREENS = {
  intake: { roles: ['agent', 'dispatcher', 'admin'], load: () => import('./intake.js') },
  history: { roles: ['agent', 'dispatcher', 'admin'], load: () => import('./history.js') },
  queue: { roles: ['unit_staff', 'admin'], load: () => import('./queue.js') },
  board: { roles: ['dispatcher', 'admin'], load: () => import('./board.js') },
  wall: { roles: ['agent', 'dispatcher', 'unit_staff', 'admin'], load: () => import('./wall.js') },
  case: { roles: null, load: () => import('./casepage.js') },
};
export const state = { me: null, cleanup: null };

function allowed(name) {
  const roles = SCREENS[name].roles;
  return !roles || (state.me && roles.includes(state.me.role));
}

function drawNav() {
  const nav = $('#nav');
  nav.replaceChildren();
  let i = 1;
  for (const name of Object.keys(SCREENS)) {
    if (name === 'case' || !allowed(name)) continue;
    const key = i++;
    nav.append(h('a', { href: `#/${name}`, dataset: { screen: name, key }, title: `Alt+${key}` }, t(`nav_${name}`)));
  }
  $('#who').textContent = state.me ? `${state.me.name} · ${state.me.unit_name || state.me.role}` : '';
  $('#logout').hidden = !state.me;
}

async function route() {
  if (!state.me) return;
  const [, name = '', arg] = location.hash.split('/');
  const screen = SCREENS[name] && allowed(name) ? name : Object.keys(SCREENS).find(allowed);
  document.querySelectorAll('#nav a').forEach((a) => a.toggleAttribute('aria-current', a.dataset.screen === screen));
  if (state.cleanup) { state.cleanup(); state.cleanup = null; }
  const view = $('#view');
  view.replaceChildren(h('p', { class: 'muted' }, t('loading')));
  const mod = await SCREENS[screen].load();
  view.replaceChildren();
  state.cleanup = (await mod.render(view, { me: state.me, arg })) || null;
  document.title = `${t(`nav_${screen}`)} · ${t('app')}`;
}

function askLogin(expired) {
  $('#login').hidden = false;
  $('#login-note').hidden = !expired;
  $('#login-username').focus();
}

async function start() {
  translate();
  if (!session.token) { askLogin(false); return; }
  try { state.me = await get('/me'); } catch { return; }
  drawNav();
  await route();
}

$('#login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = e.target;
  clearErrors(form);
  try {
    await login(form.username.value.trim(), form.password.value);
  } catch (err) { showErrors(form, err); return; }
  const wasIn = !!state.me;
  $('#login').hidden = true;
  form.password.value = '';
  state.me = await get('/me');
  drawNav();
  if (!wasIn) await route(); // after an expired session the screen stays as it was, with what was typed
});

onUnauthorized(() => { session.token = null; askLogin(true); });
$('#lang').addEventListener('click', () => { setLang(lang() === 'zh' ? 'en' : 'zh'); translate(); drawNav(); route(); });
$('#logout').addEventListener('click', async () => { await logout(); state.me = null; drawNav(); $('#view').replaceChildren(); askLogin(false); });
window.addEventListener('hashchange', route);
document.addEventListener('keydown', (e) => {
  if (e.altKey && /^[1-9]$/.test(e.key)) {
    const a = document.querySelector(`#nav a[data-key="${e.key}"]`);
    if (a) { e.preventDefault(); location.hash = a.getAttribute('href'); }
  }
});
start();
