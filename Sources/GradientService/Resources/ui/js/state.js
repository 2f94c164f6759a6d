// The page's state, and what is derived from it without talking to the server. Views render
// from this; actions (actions.js) change it and re-render.

// The README's 2-3-1 example, asking for every quantity and for the explanation.
export const EXAMPLE = {
  network: {
    layers: [
      { weights: [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], biases: [0, 0, 0], activation: 'sigmoid' },
      { weights: [[0.7, 0.8, 0.9]], activation: 'identity' },
    ],
  },
  batch: { inputs: [[1, 2], [3, 4]], targets: [[1], [0]] },
  loss: 'quadratic',
  options: { include: ['delta', 'weightGradient', 'biasGradient', 'preactivation', 'activation', 'inputGradient'], explain: true },
};

// The API's words (activations with their aliases and alpha, losses with the outputs they accept,
// reductions, dtypes, quantities and defaults) come from the server's /ui/config.json, made from
// the types /v1 reads requests with: the page keeps no copy of its own.
export const NO_WORDS = {
  activations: [], losses: [], reductions: [], dtypes: [], quantities: [],
  defaultReduction: '', defaultDtype: '', defaultInclude: [],
};
// Cells drawn and listed per heatmap at most; larger tensors show their top-left corner.
export const MAX_SIDE = 64;
// Units drawn per layer in the network drawing at most.
export const MAX_UNITS = 12;
// Training steps at most per run.
export const MAX_STEPS = 200;
// Characters of request a link may hold (links stay in the browser's history).
export const MAX_LINK_TEXT = 32768;

export const state = {
  token: null,
  authRequired: false,
  vocabulary: NO_WORDS, // the API's words, from /ui/config.json
  status: '',
  outcome: null,      // how the last call to the server went: 'answered', 'refused', 'unreachable', 'token'
  sequence: 0,        // computations started; an answer to any but the latest is dropped
  body: null,         // the request last computed, parsed
  answer: null,       // its /v1/gradients answer
  problem: null,      // { status, json, text, editorText }: the last refusal, until the next answer
  gradcheck: null,    // the last /v1/gradcheck answer
  chosen: 1,          // the layer shown, 1…L
  focus: 'weightGradient', // whose needs are highlighted: 'weightGradient' or 'delta'
  step: null,         // the step-through's position in steps(body, answer), or null
  element: { sample: 0, unit: 0, input: 0 }, // the element whose numbers a step shows
  training: { running: false, stopping: false, losses: [], norms: [] },
  pinned: null,       // a gradient flow kept for comparison: { label, norms }
  pending: null,      // an action waiting for the token
};

// An activation's name as /v1 reads it: an alias (linear) resolved to its name (identity) through
// the server's words; a name the words do not have, as it is.
export function activationName(name, words) {
  const found = words.activations.find((a) => a.name === name || (a.aliases || []).includes(name));
  return found ? found.name : name;
}

export function layersOf(body) {
  return (body && body.network && Array.isArray(body.network.layers)) ? body.network.layers : [];
}

export function isNested(m) { return Array.isArray(m) && m.every((row) => Array.isArray(row)); }

// [rows][columns] from an answer's nested matrix or vector (a vector becomes one row).
export function asMatrix(v) {
  if (!Array.isArray(v)) return null;
  return isNested(v) ? v : [v];
}

// Units per column: the inputs' width, then each layer's.
export function widthsOf(body) {
  const layers = layersOf(body);
  const first = layers[0] && isNested(layers[0].weights) && layers[0].weights.length ? layers[0].weights[0].length : 0;
  return [first].concat(layers.map((layer) => (isNested(layer.weights) ? layer.weights.length : 0)));
}

// The answer's entry for layer l (1…L), or {}.
export function answerLayer(answer, l) {
  return ((answer && answer.layers) || []).find((x) => x.layer === l) || {};
}

// A step of explain, as data: { formula, needs (symbols, to show), uses ({quantity, layer}, to
// highlight) } of quantity 'delta', 'weightGradient' or 'biasGradient' of layer l, or null.
export function explainOf(answer, l, quantity) {
  const entry = ((answer && answer.explain) || []).find((e) => e.layer === l);
  if (!entry || !entry[quantity]) return null;
  return { formula: entry[quantity].formula, needs: entry[quantity].needs, uses: entry[quantity].uses || [] };
}

function frobenius(m) {
  if (!Array.isArray(m)) return null;
  let sum = 0;
  for (const row of m) {
    if (Array.isArray(row)) for (const v of row) sum += v * v;
    else sum += row * row;
  }
  return Math.sqrt(sum);
}

// Per layer, the norms the gradient-flow chart draws: ‖δ^l‖ (over the batch), ‖∇W^l‖, ‖∇b^l‖
// (Frobenius), null where the answer lacks the quantity (flat or base64 encodings included).
export function gradientNorms(answer) {
  return ((answer && answer.layers) || []).map((x) => ({
    layer: x.layer,
    delta: isNested(x.delta) ? frobenius(x.delta) : null,
    weightGradient: isNested(x.weightGradient) ? frobenius(x.weightGradient) : null,
    biasGradient: Array.isArray(x.biasGradient) ? frobenius(x.biasGradient) : null,
  }));
}
