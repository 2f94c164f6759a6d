// Gradient flow: ‖δ^l‖, ‖∇W^l‖ and ‖∇b^l‖ per layer on a log scale, with a flow kept for
// comparison drawn dashed beside it, and every value in a table.
import { $, el, svg, fmt } from './dom.js';
import { state, gradientNorms } from './state.js';

export const SERIES = [
  ['delta', '‖δ^l‖', 'series-delta'],
  ['weightGradient', '‖∇W^l‖', 'series-weights'],
  ['biasGradient', '‖∇b^l‖', 'series-biases'],
];

// A log-scale line chart: series [{ cls, label, dashed, points: [[x, y]…] }] with x integers.
export function logChart(figure, series, { xs, xLabel, W = 600, H = 240 }) {
  figure.replaceChildren();
  figure.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  const values = series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => v > 0 && Number.isFinite(v));
  if (!values.length || !xs.length) return;
  let lo = Math.floor(Math.log10(Math.min(...values)));
  let hi = Math.ceil(Math.log10(Math.max(...values)));
  if (hi === lo) { hi += 1; lo -= 1; }
  const left = 56, right = 16, top = 14, bottom = 34;
  const x0 = Math.min(...xs), x1 = Math.max(...xs);
  const px = (x) => left + (W - left - right) * (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0));
  const py = (v) => top + (H - top - bottom) * (hi - Math.log10(v)) / (hi - lo);
  figure.append(svg('line', { x1: left, y1: H - bottom, x2: W - right, y2: H - bottom, class: 'plot-axis' }));
  figure.append(svg('line', { x1: left, y1: top, x2: left, y2: H - bottom, class: 'plot-axis' }));
  const stride = Math.max(1, Math.ceil((hi - lo) / 6));
  for (let e = lo; e <= hi; e += stride) {
    figure.append(svg('line', { x1: left, y1: py(10 ** e), x2: W - right, y2: py(10 ** e), class: 'plot-grid' }));
    figure.append(svg('text', { x: left - 4, y: py(10 ** e) + 4, 'text-anchor': 'end', class: 'plot-text', text: '1e' + e }));
  }
  const every = Math.max(1, Math.ceil(xs.length / 12));
  xs.forEach((x, k) => {
    if (k % every === 0 || k === xs.length - 1) {
      figure.append(svg('text', { x: px(x), y: H - bottom + 14, 'text-anchor': 'middle', class: 'plot-text', text: String(x) }));
    }
  });
  figure.append(svg('text', { x: (left + W - right) / 2, y: H - 4, 'text-anchor': 'middle', class: 'plot-text', text: xLabel }));
  for (const s of series) {
    const points = s.points.filter((p) => p[1] > 0 && Number.isFinite(p[1]));
    const g = svg('g', { class: 'series ' + s.cls + (s.dashed ? ' dashed' : ''), 'data-series': s.key });
    if (points.length > 1) g.append(svg('polyline', { points: points.map((p) => px(p[0]) + ',' + py(p[1])).join(' '), class: 'plot-line' }));
    for (const [x, v] of points) {
      g.append(svg('circle', { cx: px(x), cy: py(v), r: s.dashed ? 2.5 : 3.5, class: 'plot-point', 'data-x': x, 'data-value': v },
        svg('title', { text: s.label + ' at ' + xLabel + ' ' + x + ': ' + v })));
    }
    figure.append(g);
  }
}

export function renderFlow() {
  const figure = $('flow-chart');
  const table = $('flow-table');
  const legend = $('flow-legend');
  if (!state.answer) { figure.replaceChildren(); table.hidden = true; return; }
  const norms = gradientNorms(state.answer);
  const series = [];
  for (const [key, label, cls] of SERIES) {
    series.push({ key, label, cls, points: norms.map((x) => [x.layer, x[key]]) });
    if (state.pinned) {
      series.push({ key: key + '-pinned', label: label + ' (' + state.pinned.label + ')', cls, dashed: true,
        points: state.pinned.norms.map((x) => [x.layer, x[key]]) });
    }
  }
  const depth = Math.max(norms.length, state.pinned ? state.pinned.norms.length : 0);
  logChart(figure, series, { xs: Array.from({ length: depth }, (_, k) => k + 1), xLabel: 'layer l' });
  legend.replaceChildren(...SERIES.map(([, label, cls]) => el('span', { class: 'key ' + cls, text: label.replace('^l', 'ˡ') })));
  if (state.pinned) legend.append(el('span', { class: 'key dashed', text: 'dashed: ' + state.pinned.label }));
  // The values, as text.
  const head = el('tr', {}, el('th', { scope: 'col', text: 'Layer' }),
    ...SERIES.map(([, label]) => el('th', { scope: 'col', text: label.replace('^l', '') })));
  if (state.pinned) head.append(...SERIES.map(([, label]) => el('th', { scope: 'col', text: label.replace('^l', '') + ', ' + state.pinned.label })));
  const tbody = el('tbody');
  for (let l = 1; l <= depth; l++) {
    const row = norms.find((x) => x.layer === l) || {};
    const tr = el('tr', { 'data-layer': String(l) }, el('th', { scope: 'row', text: String(l) }));
    for (const [key] of SERIES) {
      tr.append(el('td', { 'data-quantity': key, 'data-value': row[key] == null ? null : String(row[key]), text: row[key] == null ? '–' : fmt(row[key]) }));
    }
    if (state.pinned) {
      const old = state.pinned.norms.find((x) => x.layer === l) || {};
      for (const [key] of SERIES) tr.append(el('td', { text: old[key] == null ? '–' : fmt(old[key]) }));
    }
    tbody.append(tr);
  }
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceWith(tbody);
  table.hidden = false;
  $('unpin-flow').hidden = !state.pinned;
}
