// The summary line, the layer picker, the menus of the API's words and the per-layer activation
// menus: each drawn from state.
import { $, el } from './dom.js';
import { state, layersOf, widthsOf, activationName } from './state.js';
import { chooseLayer, chooseFocus, edit } from './actions.js';

export function renderSummary() {
  const body = state.body;
  const answer = state.answer;
  if (!answer) return;
  $('summary').textContent = 'A ' + widthsOf(body).join('-') + ' network, ' + (body.loss || 'no') + ' loss, ' +
    answer.reduction + ' over ' + answer.batchSize + ' sample' + (answer.batchSize === 1 ? '' : 's') +
    ' in ' + answer.dtype + '. Loss C = ' + answer.loss + '.';
}

export function renderPicker() {
  const picker = $('layer-picker');
  picker.replaceChildren();
  const L = layersOf(state.body).length;
  for (let l = 1; l <= L; l++) {
    const b = el('button', { type: 'button', id: 'layer-button-' + l, 'aria-pressed': String(l === state.chosen) }, 'Layer ' + l);
    b.addEventListener('click', () => chooseLayer(l));
    picker.append(b);
  }
  for (const [focus, label] of [['weightGradient', 'what ∇W needs'], ['delta', 'what δ needs']]) {
    const b = el('button', { type: 'button', id: 'show-' + focus, 'aria-pressed': String(state.focus === focus) }, 'Show ' + label);
    b.addEventListener('click', () => chooseFocus(focus));
    picker.append(b);
  }
}

// The menus of the API's words, from the server's vocabulary; they show the body last computed,
// or the editor's body before the first answer.
export function renderMenus(body) {
  const words = state.vocabulary;
  const options = (body && body.options) || {};
  const fill = (id, names, value) => {
    const select = $(id);
    if (select.options.length !== names.length || [...select.options].some((o, k) => o.value !== names[k])) {
      select.replaceChildren(...names.map((name) => el('option', { value: name, text: name })));
    }
    select.value = value;
  };
  fill('loss', words.losses.map((l) => l.name), (body && body.loss) || '');
  // Each loss says when it does not take the output layer's activation (the server would refuse).
  const layers = layersOf(body);
  const output = layers.length ? (layers[layers.length - 1].activation || 'identity') : null;
  const name = output && activationName(output, words);
  for (const option of $('loss').options) {
    const loss = words.losses.find((l) => l.name === option.value);
    const takes = !name || !loss || !loss.outputs || loss.outputs.includes(name);
    option.textContent = takes ? option.value : option.value + ' (not for a ' + name + ' output)';
  }
  fill('reduction', words.reductions, options.reduction || words.defaultReduction);
  fill('dtype', words.dtypes, options.dtype || words.defaultDtype);
  // The deep-network builder offers the activations that apply unit by unit (not softmax).
  const deep = $('deep-activation');
  const current = deep.value || 'sigmoid';
  fill('deep-activation', words.activations.filter((a) => a.name !== 'softmax').map((a) => a.name), current);
  if (!deep.value && deep.options.length) deep.selectedIndex = 0;
}

export function renderLayerControls(body) {
  const words = state.vocabulary;
  const container = $('layer-controls');
  container.replaceChildren();
  layersOf(body).forEach((layer, k) => {
    const select = el('select', { id: 'activation-' + (k + 1) });
    for (const a of words.activations) select.append(el('option', { value: a.name, text: a.name }));
    // An alias (linear) shows as the name it stands for (identity); an unknown name as none.
    select.value = activationName(layer.activation || 'identity', words);
    select.disabled = state.training.running;
    select.addEventListener('change', () => edit((b) => {
      layersOf(b)[k].activation = select.value;
      const chosen = words.activations.find((a) => a.name === select.value);
      if (!chosen || !chosen.takesAlpha) delete layersOf(b)[k].alpha;
      return null;
    }));
    container.append(el('label', { for: 'activation-' + (k + 1) }, 'Layer ' + (k + 1) + ' activation '), select);
  });
}
