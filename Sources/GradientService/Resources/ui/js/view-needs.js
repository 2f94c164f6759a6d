// "What each step needed": the quantities a gradient (or the current step) reads, as boxes with
// an arrow to the one it writes, and the sentence that answers the usual question.
import { $, el, svg, svgSymbol, symbol, appendSymbols } from './dom.js';
import { state, layersOf, explainOf } from './state.js';
import { stepsOf, symbolOf } from './steps.js';

function row(figure, top, reads, writes, focused, W) {
  const boxW = 84;
  let end = 10;
  reads.forEach((read, k) => {
    const bx = 10 + k * (boxW + 12);
    figure.append(svg('rect', { x: bx, y: top, width: boxW, height: 44, rx: 6, class: 'box' + (focused ? ' reads' : ''),
      'data-quantity': read.quantity, 'data-layer': Number.isInteger(read.layer) ? read.layer : null }));
    figure.append(svgSymbol(symbolOf(read), { x: bx + boxW / 2, y: top + 28, 'text-anchor': 'middle', class: 'box-text' }));
    end = bx + boxW;
  });
  figure.append(svg('path', { d: 'M' + (end + 6) + ' ' + (top + 22) + ' L' + (W - 142) + ' ' + (top + 22), class: 'arrow' }));
  figure.append(svg('path', { d: 'M' + (W - 150) + ' ' + (top + 16) + ' L' + (W - 140) + ' ' + (top + 22) + ' L' + (W - 150) + ' ' + (top + 28), class: 'arrow' }));
  figure.append(svg('rect', { x: W - 130, y: top, width: 120, height: 44, rx: 6, class: 'box' + (focused ? ' writes' : ''),
    'data-quantity': writes.quantity, 'data-layer': Number.isInteger(writes.layer) ? writes.layer : null }));
  figure.append(svgSymbol(symbolOf(writes), { x: W - 70, y: top + 28, 'text-anchor': 'middle', class: 'box-text' }));
}

export function renderNeeds() {
  const figure = $('needs');
  const sentence = $('needs-sentence');
  const formulas = $('needs-formulas');
  figure.replaceChildren();
  formulas.replaceChildren();
  sentence.replaceChildren();
  if (!state.answer) return;
  const W = 600;
  const found = state.step === null ? null : stepsOf(state.body, state.answer, state.vocabulary).steps;
  const step = found && found[state.step];
  if (step) {
    // The current step: what it reads, and what it writes.
    figure.setAttribute('viewBox', '0 0 ' + Math.max(W, 160 + 96 * step.reads.length) + ' 84');
    row(figure, 20, step.reads, step.writes, true, Math.max(W, 160 + 96 * step.reads.length));
    sentence.append('This step computes ', symbol(symbolOf(step.writes)), ' from ');
    appendSymbols(sentence, step.reads.map(symbolOf));
    sentence.append('.');
    formulas.append(el('li', {}, el('code', {}, symbol(step.formula))));
    return;
  }
  const l = state.chosen;
  const L = layersOf(state.body).length;
  const rows = [explainOf(state.answer, l, 'weightGradient'), explainOf(state.answer, l, 'delta')];
  if (!rows[0] && !rows[1]) {
    figure.setAttribute('viewBox', '0 0 600 40');
    sentence.textContent = 'Ask for "explain": true in the options to see what each step used.';
    return;
  }
  figure.setAttribute('viewBox', '0 0 ' + W + ' 190');
  const writes = [{ quantity: 'weightGradient', layer: l }, { quantity: 'delta', layer: l }];
  rows.forEach((r, k) => {
    if (!r) return;
    row(figure, 20 + k * 90, r.uses, writes[k], (k === 0) === (state.focus === 'weightGradient'), W);
    const li = el('li');
    li.append(el('code', {}, symbol(r.formula)), ' needs ');
    appendSymbols(li, r.needs);
    formulas.append(li);
  });
  // One sentence in the article's notation.
  const [gw, gd] = rows;
  sentence.append('To compute ', symbol('∇W^' + l), ' you need ');
  appendSymbols(sentence, gw.needs);
  if (gd) {
    sentence.append('; ', symbol('δ^' + l), ' in turn needs ');
    appendSymbols(sentence, gd.needs);
  }
  if (l < L) sentence.append(' — not ', symbol('∇W^' + (l + 1)), ', and not ', symbol('a^' + l), '.');
  else sentence.append('.');
}
