// The page at /: posts the request in the editor to this server and draws the answer. Plain
// JavaScript written for this page; it talks only to the server that served it.
'use strict';

const ALL_QUANTITIES = ['delta', 'weightGradient', 'biasGradient', 'preactivation', 'activation', 'inputGradient'];

// The README's 2-3-1 example, asking for every quantity and for the explanation.
const EXAMPLE = {
  network: {
    layers: [
      { weights: [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], biases: [0, 0, 0], activation: 'sigmoid' },
      { weights: [[0.7, 0.8, 0.9]], activation: 'identity' },
    ],
  },
  batch: { inputs: [[1, 2], [3, 4]], targets: [[1], [0]] },
  loss: 'quadratic',
  options: { include: ALL_QUANTITIES, explain: true },
};

// The API's words (activations with their aliases and alpha, losses with the outputs they accept,
// reductions, dtypes, quantities and defaults) come from the server's /ui/config.json, made from
// the types /v1 reads requests with: the page keeps no copy of its own.
const NO_WORDS = { activations: [], losses: [], reductions: [], dtypes: [], defaultReduction: '', defaultDtype: '' };
// Cells drawn and listed per heatmap at most; larger tensors show their top-left corner.
const MAX_SIDE = 64;
// Units drawn per layer in the network drawing at most.
const MAX_UNITS = 12;

const state = {
  token: null,
  authRequired: false,
  body: null,       // the request last sent, parsed
  answer: null,     // its /v1/gradients answer
  chosen: 1,        // the layer shown, 1…L
  focus: 'weightGradient', // whose needs are highlighted: 'weightGradient' or 'delta'
  vocabulary: NO_WORDS, // the API's words, from /ui/config.json
  losses: [],       // training: the loss after each step
  pending: null,    // an action waiting for the token
};

const $ = (id) => document.getElementById(id);
const SVG_NS = 'http://www.w3.org/2000/svg';

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, String(v));
  }
  for (const c of children) e.append(c);
  return e;
}

// "W^2" → [["W", false], ["2", true]]: the text in runs, each marked whether it is an exponent.
function superscripts(text) {
  return String(text).split(/\^(\{[^}]*\}|[^\s)]+)/)
    .map((part, i) => [i % 2 ? part.replace(/^\{|\}$/g, '') : part, i % 2 === 1])
    .filter(([part]) => part !== '');
}

// "W^2" → W<sup>2</sup>; "a^0" → a<sup>0</sup>; other text as is.
function symbol(text) {
  const span = el('span', { class: 'sym' });
  for (const [part, up] of superscripts(text)) span.append(up ? el('sup', { text: part }) : part);
  return span;
}

// The same as symbol(), for SVG text: the exponent as a raised, smaller tspan.
function svgSymbol(text, attrs) {
  const t = svg('text', attrs);
  for (const [part, up] of superscripts(text)) {
    t.append(up ? svg('tspan', { 'baseline-shift': 'super', 'font-size': '70%', text: part }) : svg('tspan', { text: part }));
  }
  return t;
}

// Appends the symbols to `node` as a list: "a, b and c".
function appendSymbols(node, items) {
  items.forEach((item, k) => {
    if (k > 0) node.append(k === items.length - 1 ? ' and ' : ', ');
    node.append(symbol(item));
  });
}

// ---- Talking to the server ----

async function api(path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (state.token) headers.Authorization = 'Bearer ' + state.token;
  const response = await fetch(path, { method: 'POST', headers, body });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch (_) { /* not JSON: shown as text below */ }
  return { status: response.status, json, text, type: response.headers.get('Content-Type') || '' };
}

function setStatus(text) { $('status').textContent = text; }

function showProblem(result, bodyText) {
  const p = result.json || {};
  $('problem-title').textContent = p.title || ('HTTP ' + result.status);
  $('problem-detail').textContent = p.detail || result.text;
  $('problem-pointer').textContent = p.pointer || '(none)';
  $('problem-status').textContent = '(' + result.status + (p.type ? ', ' + p.type.split('/').pop() : '') + ')';
  $('problem').hidden = false;
  highlight(bodyText, p);
}

function hideProblem() { $('problem').hidden = true; }

// Selects, in the editor, the field a problem points at (or the place a malformed body breaks).
function highlight(text, problem) {
  const editor = $('body');
  let range = null;
  if (problem.pointer) range = locate(text, problem.pointer);
  if (!range && Number.isInteger(problem.offset)) {
    // A malformed body: the server says the byte offset (of the UTF-8 it was sent); the editor
    // counts UTF-16 units, so walk the text's code points to the same place.
    let at = 0;
    for (let bytes = 0; at < text.length && bytes < problem.offset; ) {
      const c = text.codePointAt(at);
      bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
      at += c >= 0x10000 ? 2 : 1;
    }
    range = [at, Math.min(text.length, at + 1)];
  }
  if (!range) return;
  editor.dataset.highlightStart = String(range[0]);
  editor.dataset.highlightEnd = String(range[1]);
  editor.focus({ preventScroll: true });
  editor.setSelectionRange(range[0], range[1]);
}

// The [start, end) of the value at a JSON Pointer in JSON text, by a scan that keeps positions.
function locate(text, pointer) {
  let i = 0;
  const space = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  function str() {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  }
  // Returns {start, end, children}: children maps keys or indices to nodes.
  function value() {
    space();
    const start = i;
    const c = text[i];
    const children = new Map();
    if (c === '{') {
      i++; space();
      if (text[i] === '}') { i++; return { start, end: i, children }; }
      for (;;) {
        space();
        const key = str();
        space(); i++; // :
        children.set(key, value());
        space();
        if (text[i] === ',') { i++; continue; }
        i++; break;
      }
    } else if (c === '[') {
      i++; space();
      if (text[i] === ']') { i++; return { start, end: i, children }; }
      for (let k = 0; ; k++) {
        children.set(String(k), value());
        space();
        if (text[i] === ',') { i++; continue; }
        i++; break;
      }
    } else if (c === '"') {
      str();
    } else {
      while (i < text.length && !',]} \t\r\n'.includes(text[i])) i++;
    }
    return { start, end: i, children };
  }
  try {
    let node = value();
    const tokens = pointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    for (const t of tokens) {
      const next = node.children.get(t);
      if (!next) break; // a missing member: the nearest enclosing value
      node = next;
    }
    return [node.start, node.end];
  } catch (_) {
    return null;
  }
}

// ---- The request in the editor ----

function pretty(value) {
  // Two-space JSON with every innermost array of numbers on one line.
  return JSON.stringify(value, null, 2).replace(/\[\s*((?:-?[\d.eE+-]+\s*,\s*)*-?[\d.eE+-]+)\s*\]/g,
    (_, inner) => '[' + inner.split(/\s*,\s*/).join(', ') + ']');
}

function editorBody() {
  try {
    return JSON.parse($('body').value);
  } catch (e) {
    setStatus('The editor does not hold valid JSON (' + e.message + '): fix it, then press Compute.');
    return null;
  }
}

function setEditor(body) { $('body').value = pretty(body); }

function layersOf(body) { return (body && body.network && Array.isArray(body.network.layers)) ? body.network.layers : []; }

function isNested(m) { return Array.isArray(m) && m.every((row) => Array.isArray(row)); }

// ---- Actions ----

async function compute() {
  const text = $('body').value;
  if (state.authRequired && !state.token) { askToken(compute); return; }
  setStatus('Computing…');
  let result;
  try {
    result = await api('/v1/gradients', text);
  } catch (e) {
    setStatus('The server did not answer: ' + e.message);
    return;
  }
  if (result.status === 401) { askToken(compute); return; }
  if (result.status !== 200 || !result.json) {
    setStatus('The server refused the request.');
    showProblem(result, text);
    return;
  }
  hideProblem();
  state.body = JSON.parse(text);
  state.answer = result.json;
  const L = layersOf(state.body).length;
  if (state.chosen > L) state.chosen = L;
  if (state.chosen < 1) state.chosen = 1;
  setStatus('Computed: loss ' + result.json.loss + ' over a batch of ' + result.json.batchSize + '.');
  render();
  return result.json;
}

async function gradcheck() {
  const body = editorBody();
  if (!body) return;
  if (state.authRequired && !state.token) { askToken(gradcheck); return; }
  // gradcheck takes only the reduction among the options, and computes in float64. The options'
  // value is replaced in the editor's own text and the rest is sent byte for byte: the check runs
  // on exactly the numbers shown (re-serialising would turn 1e400 into null, say), and a
  // problem's pointer names the same place in the editor.
  const editorText = $('body').value;
  let text = editorText;
  let splice = null; // where the options' value was replaced: [start, old end, new text], in the editor's text
  if (body.options !== undefined) {
    const range = locate(editorText, '/options');
    const reduction = body.options && body.options.reduction;
    const options = JSON.stringify(reduction ? { reduction } : {});
    if (range) {
      text = editorText.slice(0, range[0]) + options + editorText.slice(range[1]);
      splice = [range[0], range[1], options];
    }
  }
  setStatus('Checking against finite differences…');
  let result;
  try {
    result = await api('/v1/gradcheck', text);
  } catch (e) {
    setStatus('The server did not answer: ' + e.message);
    return;
  }
  if (result.status === 401) { askToken(gradcheck); return; }
  if (result.status !== 200 || !result.json) {
    setStatus('The server refused the check.');
    // A malformed body's offset counts bytes of the text sent: back to the editor's text.
    if (splice && result.json && Number.isInteger(result.json.offset)) {
      const bytes = (t) => new TextEncoder().encode(t).length;
      const start = bytes(editorText.slice(0, splice[0]));
      const removed = bytes(editorText.slice(splice[0], splice[1]));
      const added = bytes(splice[2]);
      const offset = result.json.offset;
      result.json.offset = offset >= start + added ? offset - added + removed : Math.min(offset, start);
    }
    showProblem(result, editorText);
    return;
  }
  hideProblem();
  const table = $('gradcheck-table');
  const tbody = table.tBodies[0];
  tbody.replaceChildren();
  for (const layer of result.json.layers) {
    tbody.append(el('tr', {},
      el('th', { scope: 'row', text: String(layer.layer) }),
      el('td', { text: String(layer.weights.maxRelError) }),
      el('td', { text: layer.biases ? String(layer.biases.maxRelError) : '–' }),
      el('td', { class: layer.passed ? 'pass' : 'fail', text: layer.passed ? 'pass' : 'fail' })));
  }
  table.hidden = false;
  setStatus('Gradient check ' + (result.json.passed ? 'passed' : 'failed') + ' for ' +
    result.json.parameterCount + ' parameters (ε ' + result.json.epsilon + ').');
}

async function train() {
  const eta = Number($('eta').value);
  const steps = Math.max(1, Math.min(200, Math.floor(Number($('steps').value) || 1)));
  if (!(eta >= 0) || !isFinite(eta)) { setStatus('The learning rate must be a number ≥ 0.'); return; }
  if (state.authRequired && !state.token) { askToken(train); return; }
  // Start from a fresh answer for the editor's body (also when nothing was computed yet: say, the
  // first computation failed); compute() says why when it cannot.
  if (!(await compute())) return;
  state.losses = [state.answer.loss];
  for (let s = 0; s < steps; s++) {
    const body = editorBody();
    if (!body) return;
    const layers = layersOf(body);
    const grads = state.answer.layers || [];
    for (let l = 0; l < layers.length; l++) {
      const g = grads[l];
      if (!g || !isNested(layers[l].weights) || !isNested(g.weightGradient) || !g.biasGradient) {
        setStatus('Training needs nested weights in the request and weightGradient and biasGradient in the answer.');
        return;
      }
      layers[l].weights = layers[l].weights.map((row, i) => row.map((w, j) => w - eta * g.weightGradient[i][j]));
      const b = Array.isArray(layers[l].biases) ? layers[l].biases : new Array(layers[l].weights.length).fill(0);
      layers[l].biases = b.map((v, i) => v - eta * g.biasGradient[i]);
    }
    setEditor(body);
    const answer = await compute();
    if (!answer) return;
    state.losses.push(answer.loss);
  }
  drawLosses();
  setStatus('Trained ' + steps + ' step' + (steps === 1 ? '' : 's') + ' with η = ' + eta + ': loss ' +
    state.losses[0] + ' → ' + state.losses[state.losses.length - 1] + '.');
}

function askToken(action) {
  state.pending = action;
  $('token-panel').hidden = false;
  setStatus('This server needs a token: enter it above.');
  $('token').focus();
}

// Edits made by the controls: change the parsed body, rewrite the editor, compute again.
function edit(change) {
  const body = editorBody();
  if (!body) return;
  const message = change(body);
  if (message) { setStatus(message); return; }
  setEditor(body);
  compute();
}

function addLayer(body) {
  const layers = layersOf(body);
  if (layers.length === 0) return 'There are no layers to add to.';
  // A new hidden layer just before the output: as wide as its input, so the output layer still fits.
  const at = layers.length - 1;
  if (!isNested(layers[at].weights)) return 'Adding a layer needs nested weights.';
  const width = layers[at].weights.length ? layers[at].weights[0].length : 0;
  const weights = [];
  for (let i = 0; i < width; i++) {
    weights.push(Array.from({ length: width }, (_, j) => (i === j ? 0.5 : 0.1)));
  }
  layers.splice(at, 0, { weights, biases: new Array(width).fill(0), activation: 'sigmoid' });
  state.chosen = at + 1;
}

function removeLayer(body) {
  const layers = layersOf(body);
  const l = state.chosen - 1;
  if (l >= layers.length - 1) return 'The output layer stays (its width is the targets\'); choose a hidden layer to remove.';
  const next = layers[l + 1];
  if (!layers[l] || !next || !isNested(next.weights) || !isNested(layers[l].weights) || !layers[l].weights.length) {
    return 'Removing a layer needs nested weights.';
  }
  const inputs = layers[l].weights[0].length;
  // The next layer now reads this layer's inputs: keep its first columns, pad with 0.1.
  next.weights = next.weights.map((row) => Array.from({ length: inputs }, (_, j) => (j < row.length ? row[j] : 0.1)));
  layers.splice(l, 1);
  state.chosen = Math.max(1, l);
}

function changeUnits(body, delta) {
  const layers = layersOf(body);
  const l = state.chosen - 1;
  if (l >= layers.length - 1) return 'The output layer has as many units as the targets have columns; choose a hidden layer.';
  const layer = layers[l];
  const next = layers[l + 1];
  if (!isNested(layer.weights) || !isNested(next.weights)) return 'Changing units needs nested weights.';
  if (delta < 0 && layer.weights.length <= 1) return 'A layer keeps at least one unit.';
  if (delta > 0) {
    layer.weights.push(new Array(layer.weights[0].length).fill(0.1));
    if (Array.isArray(layer.biases)) layer.biases.push(0);
    next.weights = next.weights.map((row) => row.concat([0.1]));
  } else {
    layer.weights.pop();
    if (Array.isArray(layer.biases)) layer.biases.pop();
    next.weights = next.weights.map((row) => row.slice(0, -1));
  }
}

// ---- Drawing ----

function render() {
  const body = state.body;
  const answer = state.answer;
  const layers = layersOf(body);
  const L = layers.length;
  const widths = [layers[0] && isNested(layers[0].weights) ? layers[0].weights[0].length : 0]
    .concat(layers.map((layer) => (isNested(layer.weights) ? layer.weights.length : 0)));
  $('summary').textContent = 'A ' + widths.join('-') + ' network, ' + (body.loss || 'no') + ' loss, ' +
    answer.reduction + ' over ' + answer.batchSize + ' sample' + (answer.batchSize === 1 ? '' : 's') +
    ' in ' + answer.dtype + '. Loss C = ' + answer.loss + '.';
  renderPicker(L);
  renderNetwork(layers, widths);
  renderNeeds(L);
  renderHeatmaps();
  renderControls(body);
}

function renderPicker(L) {
  const picker = $('layer-picker');
  picker.replaceChildren();
  for (let l = 1; l <= L; l++) {
    const b = el('button', { type: 'button', 'aria-pressed': String(l === state.chosen) }, 'Layer ' + l);
    b.addEventListener('click', () => { state.chosen = l; render(); });
    picker.append(b);
  }
  for (const [focus, label] of [['weightGradient', 'what ∇W needs'], ['delta', 'what δ needs']]) {
    const b = el('button', { type: 'button', 'aria-pressed': String(state.focus === focus) }, 'Show ' + label);
    b.addEventListener('click', () => { state.focus = focus; render(); });
    picker.append(b);
  }
}

// The needs of the chosen layer's focused quantity from the answer's explain: its symbols, to
// show, and its uses (quantity and layer, as data), to highlight.
function needsOf(l, quantity) {
  const entry = (state.answer.explain || []).find((e) => e.layer === l);
  if (!entry || !entry[quantity]) return null;
  return { formula: entry[quantity].formula, needs: entry[quantity].needs, uses: entry[quantity].uses || [] };
}

function colourFor(t) {
  // Diverging blue–white–red for t in [−1, 1].
  const clamp = Math.max(-1, Math.min(1, t));
  const mix = (a, b, u) => Math.round(a + (b - a) * u);
  const [r, g, b] = clamp >= 0 ? [mix(255, 200, clamp), mix(255, 30, clamp), mix(255, 40, clamp)]
    : [mix(255, 40, -clamp), mix(255, 90, -clamp), mix(255, 200, -clamp)];
  return 'rgb(' + r + ',' + g + ',' + b + ')';
}

function renderNetwork(layers, widths) {
  const figure = $('network');
  figure.replaceChildren();
  const columns = widths.length;
  const W = Math.max(560, 180 * columns);
  const shown = widths.map((n) => Math.min(n, MAX_UNITS));
  const H = 70 + 34 * Math.max(...shown, 1);
  figure.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  const x = (c) => 60 + (W - 120) * (columns === 1 ? 0.5 : c / (columns - 1));
  const y = (c, i) => 30 + (H - 60) * ((i + 1) / (shown[c] + 1));
  const need = needsOf(state.chosen, state.focus);
  const used = new Set();
  const usedWeights = new Set();
  if (need) {
    for (const use of need.uses) {
      if (use.quantity === 'weights') usedWeights.add(use.layer);
      else if (Number.isInteger(use.layer)) used.add(use.layer);
    }
  }
  const edges = svg('g');
  for (let l = 1; l < columns; l++) {
    const weights = layers[l - 1].weights;
    if (!isNested(weights)) continue;
    let max = 0;
    for (const row of weights) for (const w of row) max = Math.max(max, Math.abs(w));
    for (let i = 0; i < shown[l]; i++) {
      for (let j = 0; j < shown[l - 1]; j++) {
        const w = weights[i][j];
        const t = max > 0 ? w / max : 0;
        const line = svg('line', {
          x1: x(l - 1), y1: y(l - 1, j), x2: x(l), y2: y(l, i),
          stroke: colourFor(t), 'stroke-width': (0.5 + 3.5 * Math.abs(t)).toFixed(2),
          class: 'edge' + (usedWeights.has(l) ? ' used' : ''),
          opacity: usedWeights.size && !usedWeights.has(l) ? 0.35 : 1,
        }, svg('title', { text: 'W^' + l + '[' + i + '][' + j + '] = ' + w }));
        edges.append(line);
      }
    }
  }
  figure.append(edges);
  for (let c = 0; c < columns; c++) {
    const g = svg('g', { class: 'layer' + (c === state.chosen ? ' chosen' : '') });
    for (let i = 0; i < shown[c]; i++) {
      const cls = 'node' + (c === state.chosen ? ' chosen' : '') + (used.has(c) ? ' used' : '');
      g.append(svg('circle', { cx: x(c), cy: y(c, i), r: 11, class: cls, fill: c === 0 ? '#f6f8fa' : '#ffffff' },
        svg('title', { text: (c === 0 ? 'input ' : 'layer ' + c + ', unit ') + i })));
    }
    if (widths[c] > shown[c]) {
      g.append(svg('text', { x: x(c), y: H - 8, 'text-anchor': 'middle', class: 'layer-label', text: '+' + (widths[c] - shown[c]) + ' more' }));
    }
    g.append(svg('text', { x: c === 0 ? x(c) - 14 : c === columns - 1 ? x(c) + 14 : x(c), y: 16,
      'text-anchor': c === 0 ? 'start' : c === columns - 1 ? 'end' : 'middle',
      class: 'layer-label', text: c === 0 ? 'inputs' : 'layer ' + c + (c === columns - 1 ? ' (output)' : '') }));
    if (c > 0) {
      g.addEventListener('click', () => { state.chosen = c; render(); });
    }
    figure.append(g);
  }
}

function renderNeeds(L) {
  const l = state.chosen;
  const figure = $('needs');
  figure.replaceChildren();
  const rows = [needsOf(l, 'weightGradient'), needsOf(l, 'delta')];
  const targets = ['∇W^' + l, 'δ^' + l];
  const sentence = $('needs-sentence');
  const formulas = $('needs-formulas');
  formulas.replaceChildren();
  if (!rows[0] && !rows[1]) {
    figure.setAttribute('viewBox', '0 0 600 40');
    sentence.textContent = 'Ask for "explain": true in the options to see what each step used.';
    return;
  }
  const W = 600;
  const H = 190;
  figure.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  rows.forEach((row, r) => {
    if (!row) return;
    const top = 20 + r * 90;
    const focused = (r === 0) === (state.focus === 'weightGradient');
    const boxW = 84;
    let end = 10;
    row.needs.forEach((need, k) => {
      const bx = 10 + k * (boxW + 12);
      figure.append(svg('rect', { x: bx, y: top, width: boxW, height: 44, rx: 6, class: 'box' + (focused ? ' input' : '') }));
      figure.append(svgSymbol(need, { x: bx + boxW / 2, y: top + 28, 'text-anchor': 'middle', class: 'box-text' }));
      end = bx + boxW;
    });
    figure.append(svg('path', { d: 'M' + (end + 6) + ' ' + (top + 22) + ' L' + (W - 142) + ' ' + (top + 22), class: 'arrow' }));
    figure.append(svg('path', { d: 'M' + (W - 150) + ' ' + (top + 16) + ' L' + (W - 140) + ' ' + (top + 22) + ' L' + (W - 150) + ' ' + (top + 28), class: 'arrow' }));
    figure.append(svg('rect', { x: W - 130, y: top, width: 120, height: 44, rx: 6, class: 'box target' }));
    figure.append(svgSymbol(targets[r], { x: W - 70, y: top + 28, 'text-anchor': 'middle', class: 'box-text' }));
    const li = el('li');
    li.append(el('code', {}, symbol(row.formula)), ' needs ');
    appendSymbols(li, row.needs);
    formulas.append(li);
  });
  // One sentence in the article's notation.
  sentence.replaceChildren();
  const gw = rows[0];
  const gd = rows[1];
  sentence.append('To compute ', symbol('∇W^' + l), ' you need ');
  appendSymbols(sentence, gw.needs);
  if (gd) {
    sentence.append('; ', symbol('δ^' + l), ' in turn needs ');
    appendSymbols(sentence, gd.needs);
  }
  if (l < L) {
    sentence.append(' — not ', symbol('∇W^' + (l + 1)), ', and not ', symbol('a^' + l), '.');
  } else {
    sentence.append('.');
  }
}

// [rows][columns] from an answer's nested matrix or vector (a vector becomes one row).
function asMatrix(v) {
  if (!Array.isArray(v)) return null;
  return isNested(v) ? v : [v];
}

function renderHeatmaps() {
  const l = state.chosen;
  const container = $('heatmaps');
  container.replaceChildren();
  const layer = layersOf(state.body)[l - 1];
  const got = (state.answer.layers || []).find((x) => x.layer === l) || {};
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
  const head = el('tr', {}, el('th', { scope: 'col', text: '' }));
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

function renderControls(body) {
  const options = body.options || {};
  const words = state.vocabulary;
  $('loss').value = body.loss || '';
  $('reduction').value = options.reduction || words.defaultReduction;
  $('dtype').value = options.dtype || words.defaultDtype;
  const container = $('layer-controls');
  container.replaceChildren();
  // An alias (linear) shows as the name it stands for (identity).
  const canonical = (name) => (words.activations.find((a) => a.name === name || a.aliases.includes(name)) || {}).name;
  layersOf(body).forEach((layer, k) => {
    const select = el('select', { id: 'activation-' + (k + 1) });
    for (const a of words.activations) select.append(el('option', { value: a.name, text: a.name }));
    select.value = canonical(layer.activation || 'identity') || '';
    select.addEventListener('change', () => edit((b) => {
      layersOf(b)[k].activation = select.value;
      const chosen = words.activations.find((a) => a.name === select.value);
      if (!chosen || !chosen.takesAlpha) delete layersOf(b)[k].alpha;
    }));
    container.append(el('label', { for: 'activation-' + (k + 1) }, 'Layer ' + (k + 1) + ' activation '), select);
  });
}

function drawLosses() {
  const figure = $('loss-plot');
  figure.replaceChildren();
  const losses = state.losses;
  const W = 600;
  const H = 200;
  figure.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  figure.parentElement.hidden = losses.length < 2;
  if (losses.length < 2) return;
  const lo = Math.min(...losses);
  const hi = Math.max(...losses);
  const px = (k) => 50 + (W - 70) * (k / (losses.length - 1));
  const py = (v) => 20 + (H - 50) * (hi === lo ? 0.5 : (hi - v) / (hi - lo));
  figure.append(svg('line', { x1: 50, y1: H - 30, x2: W - 20, y2: H - 30, class: 'plot-axis' }));
  figure.append(svg('line', { x1: 50, y1: 20, x2: 50, y2: H - 30, class: 'plot-axis' }));
  figure.append(svg('text', { x: 46, y: 24, 'text-anchor': 'end', class: 'plot-text', text: hi.toPrecision(4) }));
  figure.append(svg('text', { x: 46, y: H - 30, 'text-anchor': 'end', class: 'plot-text', text: lo.toPrecision(4) }));
  figure.append(svg('text', { x: W - 20, y: H - 12, 'text-anchor': 'end', class: 'plot-text', text: 'step ' + (losses.length - 1) }));
  figure.append(svg('polyline', { points: losses.map((v, k) => px(k) + ',' + py(v)).join(' '), class: 'plot-line' }));
  for (let k = 0; k < losses.length; k++) {
    figure.append(svg('circle', { cx: px(k), cy: py(losses[k]), r: 3, fill: '#1f6feb' }, svg('title', { text: 'step ' + k + ': ' + losses[k] })));
  }
  const table = $('loss-table');
  const tbody = table.tBodies[0];
  tbody.replaceChildren();
  losses.forEach((v, k) => tbody.append(el('tr', {}, el('th', { scope: 'row', text: String(k) }), el('td', { text: String(v) }))));
  table.hidden = false;
}

// ---- Start ----

// The menus of the API's words, from the server's vocabulary, showing the editor's body (the
// example) until the first answer redraws them.
function fillMenus(words) {
  $('loss').replaceChildren(...words.losses.map((l) => el('option', { value: l.name, text: l.name })));
  $('reduction').replaceChildren(...words.reductions.map((r) => el('option', { value: r, text: r })));
  $('dtype').replaceChildren(...words.dtypes.map((d) => el('option', { value: d, text: d })));
  $('loss').value = EXAMPLE.loss;
  $('reduction').value = words.defaultReduction;
  $('dtype').value = words.defaultDtype;
}

function wire() {
  $('compute').addEventListener('click', compute);
  $('reset').addEventListener('click', () => { setEditor(EXAMPLE); state.chosen = 1; compute(); });
  $('gradcheck').addEventListener('click', gradcheck);
  $('train').addEventListener('click', train);
  $('add-layer').addEventListener('click', () => edit(addLayer));
  $('remove-layer').addEventListener('click', () => edit(removeLayer));
  $('add-unit').addEventListener('click', () => edit((b) => changeUnits(b, 1)));
  $('remove-unit').addEventListener('click', () => edit((b) => changeUnits(b, -1)));
  $('loss').addEventListener('change', () => edit((b) => { b.loss = $('loss').value; }));
  $('reduction').addEventListener('change', () => edit((b) => { b.options = Object.assign({}, b.options, { reduction: $('reduction').value }); }));
  $('dtype').addEventListener('change', () => edit((b) => { b.options = Object.assign({}, b.options, { dtype: $('dtype').value }); }));
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    state.token = $('token').value.trim() || null;
    $('token').value = '';
    if (!state.token) return;
    $('token-panel').hidden = true;
    const action = state.pending || compute;
    state.pending = null;
    action();
  });
}

async function start() {
  wire();
  setEditor(EXAMPLE);
  try {
    const config = await (await fetch('/ui/config.json')).json();
    state.authRequired = Boolean(config.authRequired);
    if (config.vocabulary) state.vocabulary = config.vocabulary;
    fillMenus(state.vocabulary);
  } catch (_) {
    // No configuration: the menus stay empty; the first answer says whether a token is needed.
    state.vocabulary = NO_WORDS;
    setStatus('The page could not read /ui/config.json: its menus are empty.');
  }
  if (state.authRequired) { askToken(compute); return; }
  await compute();
}

document.addEventListener('DOMContentLoaded', start);
