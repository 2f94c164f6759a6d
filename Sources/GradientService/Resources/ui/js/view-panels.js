// The status line, the problem panel, the token panel and the gradcheck table.
import { $, el } from './dom.js';
import { state } from './state.js';

export function renderStatus() { $('status').textContent = state.status; }

export function renderProblem() {
  const problem = state.problem;
  $('problem').hidden = !problem;
  if (!problem) return;
  const p = problem.json || {};
  $('problem-title').textContent = p.title || ('HTTP ' + problem.status);
  $('problem-detail').textContent = p.detail || p.error || problem.text;
  $('problem-pointer').textContent = p.pointer || (Number.isInteger(p.line) ? 'line ' + p.line + ', column ' + p.column : '(none)');
  $('problem-status').textContent = '(' + problem.status + (p.type ? ', ' + p.type.split('/').pop() : '') + ')';
}

export function renderToken() { $('token-panel').hidden = !state.pending; }

export function renderGradcheck() {
  const table = $('gradcheck-table');
  const answer = state.gradcheck;
  table.hidden = !answer;
  if (!answer) return;
  const tbody = el('tbody');
  for (const layer of answer.layers) {
    tbody.append(el('tr', {},
      el('th', { scope: 'row', text: String(layer.layer) }),
      el('td', { text: String(layer.weights.maxRelError) }),
      el('td', { text: layer.biases ? String(layer.biases.maxRelError) : '–' }),
      el('td', { class: layer.passed ? 'pass' : 'fail', text: layer.passed ? 'pass' : 'fail' })));
  }
  table.tBodies[0].replaceWith(tbody);
}
