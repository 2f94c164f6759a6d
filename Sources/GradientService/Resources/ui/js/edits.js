// Edits the controls make to a parsed request body. Each returns a message saying why it cannot
// (the body unchanged), or null after changing the body; `chosen` is the layer the control is
// about, and the result's `chosen` the layer to show after.
import { layersOf, isNested } from './state.js';

export function addLayer(body) {
  const layers = layersOf(body);
  if (layers.length === 0) return { message: 'There are no layers to add to.' };
  // A new hidden layer just before the output: as wide as its input, so the output layer still fits.
  const at = layers.length - 1;
  if (!isNested(layers[at].weights)) return { message: 'Adding a layer needs nested weights.' };
  const width = layers[at].weights.length ? layers[at].weights[0].length : 0;
  const weights = [];
  for (let i = 0; i < width; i++) weights.push(Array.from({ length: width }, (_, j) => (i === j ? 0.5 : 0.1)));
  layers.splice(at, 0, { weights, biases: new Array(width).fill(0), activation: 'sigmoid' });
  return { chosen: at + 1 };
}

export function removeLayer(body, chosen) {
  const layers = layersOf(body);
  const l = chosen - 1;
  if (l >= layers.length - 1) return { message: 'The output layer stays (its width is the targets\'); choose a hidden layer to remove.' };
  const next = layers[l + 1];
  if (!layers[l] || !next || !isNested(next.weights) || !isNested(layers[l].weights) || !layers[l].weights.length) {
    return { message: 'Removing a layer needs nested weights.' };
  }
  const inputs = layers[l].weights[0].length;
  // The next layer now reads this layer's inputs: keep its first columns, pad with 0.1.
  next.weights = next.weights.map((row) => Array.from({ length: inputs }, (_, j) => (j < row.length ? row[j] : 0.1)));
  layers.splice(l, 1);
  return { chosen: Math.max(1, l) };
}

export function changeUnits(body, chosen, delta) {
  const layers = layersOf(body);
  const l = chosen - 1;
  if (l >= layers.length - 1) return { message: 'The output layer has as many units as the targets have columns; choose a hidden layer.' };
  const layer = layers[l];
  const next = layers[l + 1];
  if (!isNested(layer.weights) || !isNested(next.weights) || !layer.weights.length) return { message: 'Changing units needs nested weights.' };
  if (delta < 0 && layer.weights.length <= 1) return { message: 'A layer keeps at least one unit.' };
  if (delta > 0) {
    layer.weights.push(new Array(layer.weights[0].length).fill(0.1));
    if (Array.isArray(layer.biases)) layer.biases.push(0);
    next.weights = next.weights.map((row) => row.concat([0.1]));
  } else {
    layer.weights.pop();
    if (Array.isArray(layer.biases)) layer.biases.pop();
    next.weights = next.weights.map((row) => row.slice(0, -1));
  }
  return { chosen };
}

// A reproducible generator in [0, 1) (mulberry32), so a deep network is the same every time.
function uniform(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A network of `depth` layers from the current one: the same inputs, targets, loss and output
// layer's activation; `depth − 1` hidden layers of `width` units, all of `activation`. Weights
// are uniform in ±√(6 / (fan-in + fan-out)) (Glorot), the same for every activation, so that
// sigmoid's shrinking and ReLU's steadier flow compare on equal terms; biases are 0.
export function deepen(body, depth, activation, width) {
  const layers = layersOf(body);
  if (layers.length === 0 || !isNested(layers[0].weights) || !layers[0].weights.length) {
    return { message: 'Building a deeper network needs nested weights in the first layer.' };
  }
  const output = layers[layers.length - 1];
  if (!isNested(output.weights)) return { message: 'Building a deeper network needs nested weights in the output layer.' };
  const inputs = layers[0].weights[0].length;
  const outputs = output.weights.length;
  const random = uniform(depth * 1000 + width);
  const matrix = (rows, columns) => {
    const bound = Math.sqrt(6 / (rows + columns));
    return Array.from({ length: rows }, () => Array.from({ length: columns },
      () => Number(((2 * random() - 1) * bound).toFixed(4))));
  };
  const made = [];
  for (let l = 0; l < depth; l++) {
    const last = l === depth - 1;
    const fanIn = l === 0 ? inputs : width;
    const units = last ? outputs : width;
    const layer = { weights: matrix(units, fanIn), biases: new Array(units).fill(0) };
    layer.activation = last ? (output.activation || 'identity') : activation;
    if (last && output.alpha !== undefined) layer.alpha = output.alpha;
    made.push(layer);
  }
  body.network.layers = made;
  return { chosen: 1 };
}
