// The network drawing: units by layer, weights as coloured edges, and the quantities the current
// step (or the chosen layer's gradient) reads and writes, highlighted.
import { $, svg, svgSymbol, colourFor } from './dom.js';
import { state, layersOf, isNested, widthsOf, MAX_UNITS } from './state.js';
import { highlightOf, symbolOf } from './steps.js';
import { chooseLayer } from './actions.js';

// Quantities drawn on a column's units; weights are drawn on the edges into it.
const ON_UNITS = ['activation', 'preactivation', 'delta', 'biases', 'biasGradient'];

export function renderNetwork() {
  const figure = $('network');
  figure.replaceChildren();
  if (!state.body) return;
  const layers = layersOf(state.body);
  const widths = widthsOf(state.body);
  const L = layers.length;
  const columns = widths.length;
  const W = Math.max(560, 150 * columns);
  const shown = widths.map((v) => Math.min(v, MAX_UNITS));
  const H = 90 + 34 * Math.max(...shown, 1);
  figure.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  const x = (c) => 60 + (W - 120) * (columns === 1 ? 0.5 : c / (columns - 1));
  const y = (c, i) => 30 + (H - 80) * ((i + 1) / (shown[c] + 1));
  const { reads, writes } = highlightOf(state);
  // Per column, the symbols read there and the one written.
  const readAt = new Map();
  const mark = (c, q) => { if (!readAt.has(c)) readAt.set(c, []); readAt.get(c).push(q); };
  for (const r of reads) {
    if (r.quantity === 'weights') mark('edges-' + r.layer, symbolOf(r));
    else if (r.quantity === 'targets') mark(L, symbolOf(r));
    else if (ON_UNITS.includes(r.quantity)) mark(r.layer, symbolOf(r));
  }
  const writesColumn = writes && Number.isInteger(writes.layer) && writes.quantity !== 'weightGradient' ? writes.layer
    : writes && writes.quantity === 'loss' ? L : null;
  const writesEdges = writes && writes.quantity === 'weightGradient' ? writes.layer : null;
  for (let l = 1; l < columns; l++) {
    const weights = layers[l - 1].weights;
    const cls = 'edges' + (readAt.has('edges-' + l) ? ' reads' : '') + (writesEdges === l ? ' writes' : '');
    const edges = svg('g', { class: cls, 'data-layer': l });
    if (isNested(weights)) {
      let max = 0;
      for (const row of weights) for (const w of row) max = Math.max(max, Math.abs(w));
      for (let i = 0; i < shown[l]; i++) {
        for (let j = 0; j < shown[l - 1]; j++) {
          const w = weights[i][j];
          const t = max > 0 ? w / max : 0;
          edges.append(svg('line', {
            x1: x(l - 1), y1: y(l - 1, j), x2: x(l), y2: y(l, i),
            stroke: colourFor(t), 'stroke-width': (0.5 + 3.5 * Math.abs(t)).toFixed(2), class: 'edge',
          }, svg('title', { text: 'W^' + l + '[' + i + '][' + j + '] = ' + w })));
        }
      }
    }
    figure.append(edges);
  }
  for (let c = 0; c < columns; c++) {
    const read = readAt.get(c) || [];
    const chosen = state.step === null && c === state.chosen;
    const g = svg('g', { class: 'layer' + (chosen ? ' chosen' : ''), 'data-column': c,
      'data-reads': read.join(' ') || null, 'data-writes': writesColumn === c ? symbolOf(writes) : null });
    for (let i = 0; i < shown[c]; i++) {
      const cls = 'node' + (chosen ? ' chosen' : '') + (read.length ? ' reads' : '') + (writesColumn === c ? ' writes' : '');
      g.append(svg('circle', { cx: x(c), cy: y(c, i), r: 11, class: cls, fill: c === 0 ? '#f6f8fa' : '#ffffff' },
        svg('title', { text: (c === 0 ? 'input ' : 'layer ' + c + ', unit ') + (i + 1) })));
    }
    if (widths[c] > shown[c]) {
      g.append(svg('text', { x: x(c), y: H - 30, 'text-anchor': 'middle', class: 'layer-label', text: '+' + (widths[c] - shown[c]) + ' more' }));
    }
    g.append(svg('text', { x: c === 0 ? x(c) - 14 : c === columns - 1 ? x(c) + 14 : x(c), y: 16,
      'text-anchor': c === 0 ? 'start' : c === columns - 1 ? 'end' : 'middle',
      class: 'layer-label', text: c === 0 ? 'inputs' : (columns > 7 ? '' : 'layer ') + c + (c === columns - 1 && columns <= 7 ? ' (output)' : '') }));
    // What this column's step reads and writes, under it.
    const words = read.concat(writesColumn === c ? ['→ ' + symbolOf(writes)] : []);
    if (readAt.has('edges-' + c)) words.unshift(readAt.get('edges-' + c).join(' '));
    if (writesEdges === c) words.push('→ ∇W^' + c);
    if (words.length) {
      g.append(svgSymbol(words.join(' '), { x: x(c), y: H - 10, 'text-anchor': 'middle', class: 'step-label' }));
    }
    if (c > 0) g.addEventListener('click', () => chooseLayer(c));
    figure.append(g);
  }
}
