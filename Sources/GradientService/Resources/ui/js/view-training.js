// Training, drawn live: the loss after each step, and each layer's ‖∇W^l‖ on a log scale; one
// point per step as the steps arrive.
import { $, el, svg, fmt } from './dom.js';
import { state } from './state.js';
import { logChart } from './view-flow.js';

// What sends a request or edits the body: held while training runs, which owns both.
const HELD = ['compute', 'reset', 'add-layer', 'remove-layer', 'add-unit', 'remove-unit', 'loss', 'reduction', 'dtype',
  'gradcheck', 'deep-depth', 'deep-activation', 'deep-width', 'deepen', 'eta', 'steps'];

export function renderTraining() {
  const t = state.training;
  $('train').disabled = t.running;
  $('stop').disabled = !t.running || t.stopping;
  for (const id of HELD) $(id).disabled = t.running;
  for (const select of document.querySelectorAll('#layer-controls select')) select.disabled = t.running;
  $('body').readOnly = t.running;
  const losses = t.losses;
  const drawing = $('loss-plot').closest('.drawing');
  drawing.hidden = losses.length === 0;
  $('norms-plot').closest('.drawing').hidden = losses.length === 0;
  const table = $('loss-table');
  table.hidden = losses.length === 0;
  if (!losses.length) return;
  drawLosses($('loss-plot'), losses);
  const layers = t.norms.length ? t.norms[0].length : 0;
  const which = $('train-norm').value;
  const letter = { weightGradient: '∇W', delta: 'δ', biasGradient: '∇b' }[which];
  const series = Array.from({ length: layers }, (_, k) => ({
    key: 'layer-' + (k + 1), label: '‖' + letter + '^' + (k + 1) + '‖', cls: 'series-layer-' + ((k % 6) + 1),
    points: t.norms.map((norms, step) => [step, norms[k] ? norms[k][which] : null]),
  }));
  logChart($('norms-plot'), series, { xs: t.norms.map((_, step) => step), xLabel: 'step', H: 200 });
  $('norms-legend').replaceChildren(...series.map((s) => el('span', { class: 'key ' + s.cls, text: '‖' + letter + superscript(s.key.slice(6)) + '‖' })));
  const tbody = el('tbody');
  losses.forEach((v, k) => tbody.append(el('tr', {}, el('th', { scope: 'row', text: String(k) }), el('td', { text: String(v) }))));
  table.tBodies[0].replaceWith(tbody);
}

const SUPERSCRIPTS = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const superscript = (digits) => [...digits].map((d) => SUPERSCRIPTS[Number(d)]).join('');

function drawLosses(figure, losses) {
  figure.replaceChildren();
  const W = 600;
  const H = 200;
  figure.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  const lo = Math.min(...losses);
  const hi = Math.max(...losses);
  const last = Math.max(1, losses.length - 1);
  const px = (k) => 56 + (W - 76) * (k / last);
  const py = (v) => 20 + (H - 50) * (hi === lo ? 0.5 : (hi - v) / (hi - lo));
  figure.append(svg('line', { x1: 56, y1: H - 30, x2: W - 20, y2: H - 30, class: 'plot-axis' }));
  figure.append(svg('line', { x1: 56, y1: 20, x2: 56, y2: H - 30, class: 'plot-axis' }));
  figure.append(svg('text', { x: 52, y: 24, 'text-anchor': 'end', class: 'plot-text', text: fmt(hi) }));
  figure.append(svg('text', { x: 52, y: H - 30, 'text-anchor': 'end', class: 'plot-text', text: fmt(lo) }));
  figure.append(svg('text', { x: W - 20, y: H - 12, 'text-anchor': 'end', class: 'plot-text', text: 'step ' + (losses.length - 1) }));
  if (losses.length > 1) figure.append(svg('polyline', { points: losses.map((v, k) => px(k) + ',' + py(v)).join(' '), class: 'plot-line' }));
  for (let k = 0; k < losses.length; k++) {
    figure.append(svg('circle', { cx: px(k), cy: py(losses[k]), r: 3, class: 'plot-point loss-point', 'data-value': losses[k] },
      svg('title', { text: 'step ' + k + ': ' + losses[k] })));
  }
}
