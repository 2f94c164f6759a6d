// The step-through of one computation: the forward pass (z^l, then a^l, layer by layer), the
// loss, then the backward pass (δ^l, ∇W^l, ∇b^l from L down to 1). Each step says what it reads
// and what it writes, as data ({quantity, layer}); the backward steps take theirs from the
// answer's explain, as the server computed them. numbersOf() writes a step's formula for one
// element with this request's numbers, every one taken from the request or the answer.
import { layersOf, isNested, answerLayer, explainOf, activationName } from './state.js';

// How a quantity of a layer is written: W^2, δ^1, y, C.
export function symbolOf({ quantity, layer }) {
  const letters = { weights: 'W', biases: 'b', activation: 'a', preactivation: 'z', delta: 'δ',
    weightGradient: '∇W', biasGradient: '∇b', targets: 'y', loss: 'C' };
  const letter = letters[quantity] || quantity;
  return Number.isInteger(layer) ? letter + '^' + layer : letter;
}

const G = { sigmoid: 'σ' };
const gName = (name) => G[name] || name;

// The steps of a computation with L layers, or { message } saying what the answer lacks.
export function stepsOf(body, answer, words) {
  const layers = layersOf(body);
  const L = layers.length;
  if (!answer || L === 0) return { message: 'Compute first.' };
  if (!answer.explain) return { message: 'The backward steps come from the answer\'s explain: set "explain": true in the options.', fix: 'explain' };
  const steps = [];
  for (let l = 1; l <= L; l++) {
    steps.push({ kind: 'preactivation', layer: l, writes: { quantity: 'preactivation', layer: l },
      reads: [{ quantity: 'weights', layer: l }, { quantity: 'activation', layer: l - 1 }, { quantity: 'biases', layer: l }],
      formula: 'z^' + l + ' = W^' + l + ' a^' + (l - 1) + ' + b^' + l });
    const g = activationName(layers[l - 1].activation || 'identity', words);
    steps.push({ kind: 'activation', layer: l, writes: { quantity: 'activation', layer: l },
      reads: [{ quantity: 'preactivation', layer: l }],
      formula: 'a^' + l + ' = ' + (g === 'identity' ? 'z^' + l : gName(g) + '(z^' + l + ')') });
  }
  steps.push({ kind: 'loss', layer: L, writes: { quantity: 'loss' },
    reads: [{ quantity: 'activation', layer: L }, { quantity: 'targets' }],
    formula: 'C = ' + (answer.reduction === 'sum' ? 'Σ_n' : '(1/B) Σ_n') + ' ' + body.loss + '(a^' + L + '_n, y_n)' });
  for (let l = L; l >= 1; l--) {
    for (const quantity of ['delta', 'weightGradient', 'biasGradient']) {
      const e = explainOf(answer, l, quantity);
      if (!e) return { message: 'The answer\'s explain has no ' + quantity + ' for layer ' + l + '.' };
      steps.push({ kind: quantity, layer: l, writes: { quantity, layer: l }, reads: e.uses, formula: e.formula });
    }
  }
  return { steps };
}

// What the network drawing and the needs diagram highlight: the step's reads and writes, or,
// outside the step-through, what the chosen layer's focused gradient needed.
export function highlightOf(state) {
  const found = state.step === null ? null : stepsOf(state.body, state.answer, state.vocabulary).steps;
  if (found && found[state.step]) return { reads: found[state.step].reads, writes: found[state.step].writes };
  const e = explainOf(state.answer, state.chosen, state.focus);
  return e ? { reads: e.uses, writes: { quantity: state.focus, layer: state.chosen } } : { reads: [], writes: null };
}

// ---- One element's numbers ----

// erf to about 1e-15 (JavaScript has none): its Taylor series below 2.5, the continued fraction
// of erfc above.
function erf(x) {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let k = 1; k < 200; k++) {
      term *= -x2 / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = ax;
  for (let k = 80; k >= 1; k--) f = ax + (k / 2) / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

// Φ(z), the standard normal CDF, as the API computes GELU's: ½ (1 + erf(z / √2)).
const normalCDF = (z) => (1 + erf(z / Math.SQRT2)) / 2;

const sigmoid = (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

// g(z) for the elementwise activations, or null (softmax, or a name the page cannot evaluate).
function apply(name, z, alpha) {
  switch (name) {
    case 'identity': return z;
    case 'sigmoid': return sigmoid(z);
    case 'tanh': return Math.tanh(z);
    case 'relu': return Math.max(z, 0);
    case 'leaky_relu': return z > 0 ? z : alpha * z;
    case 'elu': return z > 0 ? z : alpha * Math.expm1(z);
    case 'softplus': return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    case 'silu': return z * sigmoid(z);
    case 'gelu': return z * normalCDF(z);
    default: return null;
  }
}

// g'(z) from z and a = g(z), for the elementwise activations; null otherwise.
function derivative(name, z, a, alpha) {
  switch (name) {
    case 'identity': return 1;
    case 'sigmoid': return a * (1 - a);
    case 'tanh': return 1 - a * a;
    case 'relu': return z > 0 ? 1 : 0;
    case 'leaky_relu': return z > 0 ? 1 : alpha;
    case 'elu': return z > 0 ? 1 : a + alpha;
    case 'softplus': return sigmoid(z);
    case 'silu': { const s = sigmoid(z); return s + z * s * (1 - s); }
    case 'gelu': return normalCDF(z) + z * Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
    default: return null;
  }
}

function softmax(row) {
  const m = row.reduce((x, v) => Math.max(x, v), -Infinity);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((x, y) => x + y, 0);
  return e.map((v) => v / s);
}

// Up to four terms, then "+ …".
const SHOWN_TERMS = 4;

const n = (v, paren = true) => ({ v, paren });
const derived = (v, paren = true) => ({ v, paren, derived: true });

// A sum's terms as tokens: w·a + w·a + …
function sumTokens(pairs) {
  const tokens = [];
  pairs.slice(0, SHOWN_TERMS).forEach(([x, y], k) => {
    if (k > 0) tokens.push(' + ');
    tokens.push(n(x), '·', n(y));
  });
  if (pairs.length > SHOWN_TERMS) tokens.push(' + … (' + (pairs.length - SHOWN_TERMS) + ' more)');
  return tokens;
}

// The element a step shows, clamped to the step's shape: sample n, unit i, input j (0-based).
export function elementOf(step, body, answer, element) {
  const layers = layersOf(body);
  const B = answer.batchSize;
  const units = isNested(layers[step.layer - 1].weights) ? layers[step.layer - 1].weights.length : 1;
  const inputs = isNested(layers[step.layer - 1].weights) && units ? layers[step.layer - 1].weights[0].length : 1;
  const clamp = (v, size) => Math.max(0, Math.min(size - 1, v));
  return { sample: clamp(element.sample, B), unit: clamp(element.unit, units), input: clamp(element.input, inputs),
    samples: B, units, inputs };
}

// { lines: [[token…]…], value, check } for a step and an element: tokens are text (in the
// article's notation) or numbers { v, paren, derived }; `value` is the answer's number the step
// writes, `check` the page's own arithmetic on the numbers shown (null when it has none); or
// { message } when the request or answer lacks a number the step needs.
export function numbersOf(step, body, answer, element, words) {
  const layers = layersOf(body);
  const L = layers.length;
  const l = step.layer;
  const layer = layers[l - 1];
  const got = answerLayer(answer, l);
  const { sample: s, unit: i, input: j } = elementOf(step, body, answer, element);
  const inputs = body.batch && body.batch.inputs;
  const activationOf = (k) => (k === 0 ? (isNested(inputs) ? inputs : null) : answerLayer(answer, k).activation);
  const need = (m, what) => { if (!isNested(m)) throw new Error(what); return m; };
  const S = s + 1, I = i + 1, J = j + 1;
  const name = activationName(layer.activation || 'identity', words);
  const alphaOf = (lay, nm) => (lay.alpha !== undefined ? lay.alpha
    : ((words.activations.find((a) => a.name === nm) || {}).defaultAlpha));
  try {
    switch (step.kind) {
      case 'preactivation': {
        const W = need(layer.weights, 'nested weights in the request');
        const A = need(activationOf(l - 1), l === 1 ? 'nested inputs in the request' : 'a^' + (l - 1) + ' (activation) in the answer');
        const z = need(got.preactivation, 'z^' + l + ' (preactivation) in the answer');
        // No biases are zeros; biases in another encoding (flat, base64) are not read here.
        const b = layer.biases === undefined || layer.biases === null ? 0
          : (Array.isArray(layer.biases) && layer.biases.every(Number.isFinite) ? layer.biases[i]
            : need(null, 'nested biases in the request'));
        const pairs = W[i].map((w, k) => [w, A[s][k]]);
        const check = pairs.reduce((t, [x, y]) => t + x * y, 0) + b;
        return { value: z[s][i], check, lines: [
          ['z^' + l + '_{' + S + ',' + I + '} = Σ_j W^' + l + '_{' + I + ',j} a^' + (l - 1) + '_{' + S + ',j} + b^' + l + '_' + I],
          ['= '].concat(sumTokens(pairs), [' + ', n(b)]),
          ['= ', n(z[s][i], false)]] };
      }
      case 'activation': {
        const z = need(got.preactivation, 'z^' + l + ' (preactivation) in the answer');
        const a = need(got.activation, 'a^' + l + ' (activation) in the answer');
        const lhs = 'a^' + l + '_{' + S + ',' + I + '}';
        if (name === 'softmax') {
          const check = softmax(z[s])[i];
          return { value: a[s][i], check, lines: [
            [lhs + ' = e^{z^' + l + '_{' + S + ',' + I + '}} / Σ_k e^{z^' + l + '_{' + S + ',k}}'],
            ['= softmax(', ...z[s].slice(0, SHOWN_TERMS).flatMap((v, k) => (k ? [', ', n(v, false)] : [n(v, false)])),
              z[s].length > SHOWN_TERMS ? ', …)_' + I : ')_' + I],
            ['= ', n(a[s][i], false)]] };
        }
        const check = apply(name, z[s][i], alphaOf(layer, name));
        const g = name === 'identity' ? '' : gName(name);
        return { value: a[s][i], check, lines: [
          [lhs + ' = ' + (g ? g + '(z^' + l + '_{' + S + ',' + I + '})' : 'z^' + l + '_{' + S + ',' + I + '}')],
          g ? ['= ' + g + '(', n(z[s][i], false), ')'] : [],
          ['= ', n(a[s][i], false)]].filter((line) => line.length) };
      }
      case 'loss': {
        const a = need(got.activation, 'a^' + L + ' (activation) in the answer');
        const y = targetsOf(body, answer);
        if (!y) throw new Error('nested targets or labels in the request');
        const z = got.preactivation;
        const losses = [];
        for (let k = 0; k < a.length; k++) {
          const v = sampleLoss(body.loss, layer, name, a[k], isNested(z) ? z[k] : null, y[k]);
          if (v === null) return { value: answer.loss, check: null, lines: [['C = ', n(answer.loss, false)]] };
          losses.push(v);
        }
        const mean = answer.reduction !== 'sum';
        const total = losses.reduce((t, v) => t + v, 0);
        return { value: answer.loss, check: mean ? total / losses.length : total, lines: [
          [step.formula],
          ['sample ' + S + ': a^' + L + '_' + S + ' = (', ...list(a[s]), '), y_' + S + ' = (',
            ...list(y[s], !isNested(body.batch.targets)), ') → ', derived(losses[s], false)],
          ['C = ' + (mean ? '(' : '')].concat(losses.slice(0, SHOWN_TERMS).flatMap((v, k) => (k ? [' + ', derived(v)] : [derived(v)])),
            [losses.length > SHOWN_TERMS ? ' + …' : '', mean ? ') / ' + losses.length : '', ' = ', n(answer.loss, false)])] };
      }
      case 'delta': {
        const delta = need(got.delta, 'δ^' + l + ' (delta) in the answer');
        const z = need(got.preactivation, 'z^' + l + ' (preactivation) in the answer');
        const a = need(got.activation, 'a^' + l + ' (activation) in the answer');
        const lhs = 'δ^' + l + '_{' + S + ',' + I + '}';
        const alpha = alphaOf(layer, name);
        if (l < L) {
          const next = layers[l];
          const W = need(next.weights, 'nested weights of layer ' + (l + 1) + ' in the request');
          const d = need(answerLayer(answer, l + 1).delta, 'δ^' + (l + 1) + ' (delta) in the answer');
          const pairs = W.map((row, k) => [row[i], d[s][k]]);
          const sum = pairs.reduce((t, [x, y]) => t + x * y, 0);
          const g = derivative(name, z[s][i], a[s][i], alpha);
          const lines = [[lhs + ' = (Σ_k W^' + (l + 1) + '_{k,' + I + '} δ^' + (l + 1) + '_{' + S + ',k})' +
            (name === 'identity' ? '' : ' · ' + gName(name) + '\'(z^' + l + '_{' + S + ',' + I + '})')]];
          if (name === 'identity') {
            lines.push(['= '].concat(sumTokens(pairs)));
          } else {
            lines.push(['= ('].concat(sumTokens(pairs), [') · ' + gName(name) + '\'(', n(z[s][i], false), ')']));
            lines.push(['= ', derived(sum), ' · ', derived(g)]);
          }
          lines.push(['= ', n(delta[s][i], false)]);
          return { value: delta[s][i], check: g === null ? null : sum * g, lines };
        }
        return outputDelta(body, answer, layer, name, alpha, { a, z, delta, s, i, S, I, lhs, l });
      }
      case 'weightGradient': {
        const gw = need(got.weightGradient, '∇W^' + l + ' (weightGradient) in the answer');
        const delta = need(got.delta, 'δ^' + l + ' (delta) in the answer');
        const A = need(activationOf(l - 1), l === 1 ? 'nested inputs in the request' : 'a^' + (l - 1) + ' (activation) in the answer');
        const pairs = delta.map((row, k) => [row[i], A[k][j]]);
        return { value: gw[i][j], check: pairs.reduce((t, [x, y]) => t + x * y, 0), lines: [
          ['∇W^' + l + '_{' + I + ',' + J + '} = Σ_n δ^' + l + '_{n,' + I + '} a^' + (l - 1) + '_{n,' + J + '}'],
          ['= '].concat(sumTokens(pairs)),
          ['= ', n(gw[i][j], false)]] };
      }
      case 'biasGradient': {
        const gb = got.biasGradient;
        if (!Array.isArray(gb)) throw new Error('∇b^' + l + ' (biasGradient) in the answer');
        const delta = need(got.delta, 'δ^' + l + ' (delta) in the answer');
        const terms = delta.map((row) => row[i]);
        return { value: gb[i], check: terms.reduce((t, v) => t + v, 0), lines: [
          ['∇b^' + l + '_' + I + ' = Σ_n δ^' + l + '_{n,' + I + '}'],
          ['= '].concat(terms.slice(0, SHOWN_TERMS).flatMap((v, k) => (k ? [' + ', n(v)] : [n(v)])),
            terms.length > SHOWN_TERMS ? [' + … (' + (terms.length - SHOWN_TERMS) + ' more)'] : []),
          ['= ', n(gb[i], false)]] };
      }
      default:
        return { message: 'Unknown step.' };
    }
  } catch (e) {
    return { message: 'This step\'s numbers need ' + e.message + '.', fix: 'include' };
  }
}

// A row's first numbers; `worked` marks them as the page's (one-hot targets made from labels).
function list(row, worked = false) {
  const number = (v) => (worked ? derived(v, false) : n(v, false));
  return row.slice(0, SHOWN_TERMS).flatMap((v, k) => (k ? [', ', number(v)] : [number(v)]))
    .concat(row.length > SHOWN_TERMS ? [', …'] : []);
}

// The targets as rows, one-hot when the batch has labels; null when neither is nested.
function targetsOf(body, answer) {
  const batch = body.batch || {};
  if (isNested(batch.targets)) return batch.targets;
  if (Array.isArray(batch.labels)) {
    const width = (answerLayer(answer, layersOf(body).length).activation || [[]])[0].length;
    return batch.labels.map((c) => Array.from({ length: width }, (_, k) => (k === c ? 1 : 0)));
  }
  return null;
}

// One sample's loss, as the API computes it (Loss.swift): cross-entropy as Σ_j y_j (lse(z) − z_j)
// and binary cross-entropy as max(z, 0) − y·z + log(1 + e^{−|z|}) from the logits z, finite for
// any z; null for a loss the page does not know, or without z where it needs them.
function sampleLoss(loss, layer, name, a, z, y) {
  const squares = a.reduce((t, v, k) => t + (v - y[k]) ** 2, 0);
  switch (loss) {
    case 'quadratic': return squares / 2;
    case 'mse': return squares / a.length;
    case 'cross_entropy': {
      if (!z) return null;
      const m = z.reduce((x, v) => Math.max(x, v), -Infinity);
      const lse = m + Math.log(z.reduce((t, v) => t + Math.exp(v - m), 0));
      return y.reduce((t, v, k) => t + (v ? v * (lse - z[k]) : 0), 0);
    }
    case 'binary_cross_entropy':
      if (!z) return null;
      return z.reduce((t, v, k) => t + Math.max(v, 0) - y[k] * v + Math.log1p(Math.exp(-Math.abs(v))), 0);
    default: return null;
  }
}

// δ^L for the element: the loss's gradient at a^L through the output activation, over B when the
// reduction is the mean, as the API computes it (fused for softmax + cross-entropy and sigmoid +
// binary cross-entropy).
function outputDelta(body, answer, layer, name, alpha, { a, z, delta, s, i, S, I, lhs, l }) {
  const y = targetsOf(body, answer);
  if (!y) return { message: 'This step\'s numbers need nested targets or labels in the request.' };
  const mean = answer.reduction !== 'sum';
  const B = answer.batchSize;
  const per = mean ? 1 / B : 1;
  const over = mean ? ' / B' : '';
  const tail = mean ? [' / ' + B] : [];
  const yi = y[s][i];
  const labelled = !isNested((body.batch || {}).targets);
  const value = delta[s][i];
  const loss = body.loss;
  const out = (lines, check) => ({ value, check, lines: lines.concat([['= ', n(value, false)]]) });
  if (loss === 'cross_entropy' || loss === 'binary_cross_entropy') {
    const fused = (loss === 'cross_entropy' && name === 'softmax') || (loss === 'binary_cross_entropy' && name === 'sigmoid');
    const p = fused ? a[s][i] : (loss === 'cross_entropy' ? softmax(z[s])[i] : sigmoid(z[s][i]));
    const what = fused ? 'a^' + l + '_{' + S + ',' + I + '}'
      : (loss === 'cross_entropy' ? 'softmax(z^' + l + '_' + S + ')_' + I : 'σ(z^' + l + '_{' + S + ',' + I + '})');
    const yTerm = labelled ? derived(yi) : n(yi);
    // Cross-entropy's gradient is p_i Σ_k y_k − y_i: p − y when the targets' row sums to 1.
    const ySum = loss === 'cross_entropy' ? y[s].reduce((t, v) => t + v, 0) : 1;
    if (Math.abs(ySum - 1) > 1e-12) {
      return out([[lhs + ' = (' + what + ' · Σ_k y_{' + S + ',k} − y_{' + S + ',' + I + '})' + over],
        ['= (', fused ? n(p) : derived(p), ' · ', derived(ySum), ' − ', yTerm, ')'].concat(tail)], (p * ySum - yi) * per);
    }
    return out([[lhs + ' = (' + what + ' − y_{' + S + ',' + I + '})' + over],
      ['= (', fused ? n(p) : derived(p), ' − ', yTerm, ')'].concat(tail)], (p - yi) * per);
  }
  const scale = loss === 'mse' ? 2 / a[s].length : 1;
  const scaleText = loss === 'mse' ? '(2/' + a[s].length + ') ' : '';
  const grad = (k) => scale * (a[s][k] - y[s][k]);
  if (name === 'identity') {
    return out([[lhs + ' = ' + scaleText + '(a^' + l + '_{' + S + ',' + I + '} − y_{' + S + ',' + I + '})' + over],
      ['= ' + scaleText + '(', n(a[s][i]), ' − ', labelled ? derived(yi) : n(yi), ')'].concat(tail)], grad(i) * per);
  }
  if (name === 'softmax') {
    // J_softmax^T g: δ_i = a_i (g_i − Σ_k a_k g_k).
    const dot = a[s].reduce((t, v, k) => t + v * grad(k), 0);
    return out([[lhs + ' = a^' + l + '_{' + S + ',' + I + '} (g_' + I + ' − Σ_k a^' + l + '_{' + S + ',k} g_k)' + over +
      ', g = ' + scaleText + '(a^' + l + '_' + S + ' − y_' + S + ')'],
      ['= ', n(a[s][i]), ' · (', derived(grad(i)), ' − ', derived(dot), ')'].concat(tail)], a[s][i] * (grad(i) - dot) * per);
  }
  const g = derivative(name, z[s][i], a[s][i], alpha);
  return out([[lhs + ' = ' + scaleText + '(a^' + l + '_{' + S + ',' + I + '} − y_{' + S + ',' + I + '}) · ' + gName(name) +
    '\'(z^' + l + '_{' + S + ',' + I + '})' + over],
    ['= ' + scaleText + '(', n(a[s][i]), ' − ', labelled ? derived(yi) : n(yi), ') · ', derived(g)].concat(tail)], g === null ? null : grad(i) * g * per);
}
