// The page at /: posts the request in the editor to this server and draws the answer. Plain
// JavaScript modules written for this page; it talks only to the server that served it.
import { $ } from './dom.js';
import { state, EXAMPLE, NO_WORDS } from './state.js';
import { configuration } from './api.js';
import { setEditor, parseEditor, textOfFragment } from './editor.js';
import * as act from './actions.js';
import { render } from './render.js';
import { renderMenus } from './view-controls.js';

function wire() {
  $('compute').addEventListener('click', act.compute);
  $('reset').addEventListener('click', () => { setEditor(EXAMPLE); state.chosen = 1; state.step = null; act.compute(); });
  $('share').addEventListener('click', act.share);
  $('gradcheck').addEventListener('click', act.gradcheck);
  $('train').addEventListener('click', act.train);
  $('stop').addEventListener('click', act.stop);
  $('train-norm').addEventListener('change', render);
  $('add-layer').addEventListener('click', act.addLayer);
  $('remove-layer').addEventListener('click', act.removeLayer);
  $('add-unit').addEventListener('click', act.addUnit);
  $('remove-unit').addEventListener('click', act.removeUnit);
  $('deepen').addEventListener('click', act.deepen);
  $('pin-flow').addEventListener('click', act.pinFlow);
  $('unpin-flow').addEventListener('click', act.unpinFlow);
  $('step-next').addEventListener('click', act.stepNext);
  $('step-back').addEventListener('click', act.stepBack);
  for (const which of ['sample', 'unit', 'input']) {
    $('step-' + which).addEventListener('change', (event) => act.setElement(which, event.target.value));
  }
  $('loss').addEventListener('change', () => act.edit((b) => { b.loss = $('loss').value; }));
  $('reduction').addEventListener('change', () => act.edit((b) => { b.options = Object.assign({}, b.options, { reduction: $('reduction').value }); }));
  $('dtype').addEventListener('change', () => act.edit((b) => { b.options = Object.assign({}, b.options, { dtype: $('dtype').value }); }));
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    $('token').value = '';
    act.useToken(token);
  });
  // ← and → step through the pass, unless a field has the keyboard.
  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.target.closest('input, textarea, select, [contenteditable]')) return;
    if (event.key === 'ArrowRight') { act.stepNext(); event.preventDefault(); }
    if (event.key === 'ArrowLeft') { act.stepBack(); event.preventDefault(); }
  });
  // Another link's request: a run of training stops (the new computation ends it), and the
  // editor takes the request and computes it.
  window.addEventListener('hashchange', () => {
    const linked = textOfFragment(location.hash);
    if (linked === null) return;
    act.openLink(linked);
    if (typeof linked === 'string') act.compute();
  });
}

async function start() {
  wire();
  setEditor(EXAMPLE);
  const linked = textOfFragment(location.hash);
  if (linked !== null) act.openLink(linked);
  // A damaged link said so in the status; the first answer's status keeps saying it.
  const unreadLink = linked instanceof Error ? state.status : null;
  try {
    const config = await configuration();
    state.authRequired = Boolean(config.authRequired);
    if (config.vocabulary) state.vocabulary = config.vocabulary;
  } catch (_) {
    // No configuration: the menus stay empty; the first answer says whether a token is needed.
    state.vocabulary = NO_WORDS;
    act.setStatus('The page could not read /ui/config.json: its menus are empty.');
  }
  // Until the first answer, the menus show the editor's body.
  const parsed = parseEditor();
  renderMenus(parsed.body || EXAMPLE);
  render();
  if (state.authRequired) { act.askToken(act.compute); return; }
  if (typeof linked === 'string') act.setStatus('Computing the request in the link…');
  await act.compute();
  if (unreadLink && state.outcome === 'answered') act.setStatus(state.status + ' ' + unreadLink);
}

start();
