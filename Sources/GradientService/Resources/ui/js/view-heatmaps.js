// The chosen layer's quantities as heatmaps, each with its colour scale and every value as text.
import { $, el, svg, symbol, colourFor } from './dom.js';
import { state, layersOf, isNested, asMatrix, answerLayer, MAX_SIDE } from './state.js';

export function renderHeatmaps() {
  const container = $('heatmaps');
  container.replaceChildren();
  if (!state.answer) return;
  const l = state.chosen;
  const layer = layersOf(state.body)[l - 1] || {};
  const got = answerLayer(state.answer, l);
  const items = [
    ['W^' + l, 'weights', isNested(layer.weights) ? layer.weights : null, 'units × inputs, from the request'],
    ['∇W^' + l, 'weightGradient', got.weightGradient, 'units × inputs'],
    ['δ^' + l, 'delta', got.delta, 'samples × units'],
    ['∇b^' + l, 'biasGradient', got.biasGradient, 'one per unit'],
    ['z^' + l, 'preactivation', got.preactivation, 'samples × units'],
    ['a^' + l, 'activation', got.activation, 'samples × units'],
  ];
  for (const [name, key, value, shape] of items) container.append(heatmap(name, key, asMatrix(value), shape));
}

function heatmap(name, key, m, shape) {
  const box = el('figure', { class: 'heatmap', id: 'heatmap-' + key });
  const caption = el('figcaption');
  caption.append(el('strong', {}, symbol(name)), ' ', el('span', { class: 'caption', text: '(' + key + ', ' + shape + ')' }));
  box.append(caption);
  if (!m || !m.length || !Array.isArray(m[0])) {
    box.append(el('p', { class: 'absent', text: 'Not in the answer: add "' + key + '" to options.include (nested encoding).' }));
    return box;
  }
  const rows = m.length;
  const columns = m[0].length;
  const shownRows = Math.min(rows, MAX_SIDE);
  const shownColumns = Math.min(columns, MAX_SIDE);
  let max = 0;
  for (let i = 0; i < shownRows; i++) for (let j = 0; j < shownColumns; j++) max = Math.max(max, Math.abs(m[i][j]));
  const cell = 20;
  const figure = svg('svg', { viewBox: '0 0 ' + shownColumns * cell + ' ' + shownRows * cell, role: 'img',
    'aria-label': name + ', ' + rows + ' by ' + columns + '; the values are in the table below' });
  for (let i = 0; i < shownRows; i++) {
    for (let j = 0; j < shownColumns; j++) {
      const v = m[i][j];
      figure.append(svg('rect', { x: j * cell, y: i * cell, width: cell, height: cell, fill: colourFor(max > 0 ? v / max : 0),
        stroke: '#ffffff', 'stroke-width': 0.5 }, svg('title', { text: name + '[' + i + '][' + j + '] = ' + v })));
    }
  }
  box.append(figure);
  // The legend: the colour scale, symmetric around 0.
  const legend = el('div', { class: 'legend' });
  const gradientId = 'scale-' + key;
  const bar = svg('svg', { viewBox: '0 0 100 10', preserveAspectRatio: 'none', 'aria-hidden': 'true' },
    svg('defs', {}, svg('linearGradient', { id: gradientId },
      svg('stop', { offset: '0', 'stop-color': colourFor(-1) }),
      svg('stop', { offset: '0.5', 'stop-color': colourFor(0) }),
      svg('stop', { offset: '1', 'stop-color': colourFor(1) }))),
    svg('rect', { x: 0, y: 0, width: 100, height: 10, fill: 'url(#' + gradientId + ')' }));
  const short = (v) => (v === 0 ? '0' : Number(v.toPrecision(3)).toString());
  legend.append(el('span', { text: short(-max) }), bar, el('span', { text: short(max) }));
  box.append(legend);
  if (rows > shownRows || columns > shownColumns) {
    box.append(el('p', { class: 'caption', text: 'Showing the first ' + shownRows + ' × ' + shownColumns + ' of ' + rows + ' × ' + columns + '.' }));
  }
  // Every value as text: a table, in the page even while the details are closed.
  const details = el('details');
  details.append(el('summary', { text: 'Values of ' + name.replace('^', ' ') }));
  const table = el('table', { class: 'values', 'data-quantity': key });
  table.append(el('caption', { text: name + ' (' + rows + ' × ' + columns + ')' }));
  const head = el('tr', {}, el('th', { scope: 'col', text: 'Row' }));
  for (let j = 0; j < shownColumns; j++) head.append(el('th', { scope: 'col', text: String(j) }));
  table.append(el('thead', {}, head));
  const tbody = el('tbody');
  for (let i = 0; i < shownRows; i++) {
    const tr = el('tr', {}, el('th', { scope: 'row', text: String(i) }));
    for (let j = 0; j < shownColumns; j++) tr.append(el('td', { text: String(m[i][j]) }));
    tbody.append(tr);
  }
  table.append(tbody);
  details.append(el('div', { class: 'table-wrap' }, table));
  box.append(details);
  return box;
}
