// The step-through: where it is, the step's formula, what it reads and writes, and its formula
// with this request's numbers for one element.
import { $, el, symbol, num } from './dom.js';
import { state } from './state.js';
import { stepsOf, numbersOf, elementOf, symbolOf } from './steps.js';
import { askForEverything } from './actions.js';

const TITLES = {
  preactivation: (l) => 'Forward, layer ' + l + ': the pre-activation',
  activation: (l) => 'Forward, layer ' + l + ': the activation',
  loss: () => 'The loss',
  delta: (l) => 'Backward, layer ' + l + ': the error δ',
  weightGradient: (l) => 'Backward, layer ' + l + ': the weight gradient',
  biasGradient: (l) => 'Backward, layer ' + l + ': the bias gradient',
};

function fillSelect(select, count, value, label) {
  if (select.options.length !== count) {
    select.replaceChildren(...Array.from({ length: count }, (_, k) => el('option', { value: String(k), text: String(k + 1) })));
  }
  select.value = String(value);
  select.disabled = count <= 1;
  select.setAttribute('aria-label', label);
}

function fixButton() {
  const button = el('button', { type: 'button', id: 'step-fix' }, 'Ask for every quantity (nested) and the explanation');
  button.disabled = state.training.running;
  button.addEventListener('click', askForEverything);
  return button;
}

export function renderSteps() {
  const view = $('step-view');
  const position = $('step-position');
  view.replaceChildren();
  const found = stepsOf(state.body, state.answer, state.vocabulary);
  const steps = found.steps || [];
  $('step-back').disabled = state.step === null;
  $('step-next').disabled = !steps.length || state.step === steps.length - 1;
  $('step-element').hidden = state.step === null || !steps.length;
  if (!steps.length) {
    position.textContent = '';
    view.append(el('p', { text: found.message }));
    if (found.fix) view.append(fixButton());
    return;
  }
  if (state.step === null) {
    position.textContent = steps.length + ' steps: press Next (or →) to start.';
    return;
  }
  const step = steps[state.step];
  position.textContent = 'Step ' + (state.step + 1) + ' of ' + steps.length;
  const at = elementOf(step, state.body, state.answer, state.element);
  fillSelect($('step-sample'), at.samples, at.sample, 'Sample');
  fillSelect($('step-unit'), at.units, at.unit, 'Unit');
  fillSelect($('step-input'), at.inputs, at.input, 'Input');
  $('step-sample').closest('label').hidden = step.kind === 'weightGradient' || step.kind === 'biasGradient';
  $('step-unit').closest('label').hidden = step.kind === 'loss';
  $('step-input').closest('label').hidden = step.kind !== 'weightGradient';

  view.append(el('h3', { id: 'step-title', 'data-kind': step.kind, 'data-layer': String(step.layer), text: TITLES[step.kind](step.layer) }));
  view.append(el('p', { class: 'formula' }, el('code', {}, symbol(step.formula))));
  const reads = el('ul', { id: 'step-reads', class: 'chips', 'aria-label': 'Reads' });
  for (const r of step.reads) {
    reads.append(el('li', { 'data-quantity': r.quantity, 'data-layer': Number.isInteger(r.layer) ? String(r.layer) : null }, symbol(symbolOf(r))));
  }
  const writes = el('ul', { id: 'step-writes', class: 'chips writes', 'aria-label': 'Writes' },
    el('li', { 'data-quantity': step.writes.quantity, 'data-layer': Number.isInteger(step.writes.layer) ? String(step.writes.layer) : null },
      symbol(symbolOf(step.writes))));
  view.append(el('div', { class: 'reads-writes' }, el('span', { text: 'Reads ' }), reads, el('span', { text: ' writes ' }), writes));

  const numbers = numbersOf(step, state.body, state.answer, state.element, state.vocabulary);
  if (numbers.message) {
    view.append(el('p', { class: 'absent', text: numbers.message }));
    if (numbers.fix) view.append(fixButton());
    return;
  }
  const block = el('div', { id: 'step-numbers', class: 'numbers', 'data-value': String(numbers.value),
    'data-check': numbers.check === null ? null : String(numbers.check) });
  for (const line of numbers.lines) {
    const p = el('p');
    for (const token of line) {
      if (typeof token === 'string') p.append(symbol(token));
      else {
        const span = num(token.v, { paren: token.paren });
        if (token.derived) span.classList.add('derived');
        p.append(span);
      }
    }
    block.append(p);
  }
  // The last number is the answer's; the page's own arithmetic on the numbers shown agrees.
  block.lastChild.lastChild.classList.add('result');
  view.append(block);
  if (numbers.check !== null) {
    // The page computes in float64; a float32 answer agrees to float32's precision, relative to
    // the largest number in the formula (sums cancel).
    const float32 = state.answer.dtype === 'float32';
    const scale = numbers.lines.flat().reduce((m, t) => (typeof t === 'string' ? m : Math.max(m, Math.abs(t.v))), Math.abs(numbers.value));
    const agree = Math.abs(numbers.check - numbers.value) <= (float32 ? 1e-5 : 1e-9) * Math.max(scale, 1e-300);
    view.append(el('p', { class: 'caption', id: 'step-agreement', 'data-agrees': String(agree),
      text: agree ? 'This page\'s own arithmetic on the numbers shown gives the answer\'s value (to ' + (float32 ? 'float32\'s 5' : '9') + ' digits). Hover a number for all its digits; numbers in italics are worked out by this page, the rest come from the request or the answer.'
        : 'This page\'s own arithmetic gives ' + numbers.check + ', not the answer\'s ' + numbers.value + '.' }));
  }
}
