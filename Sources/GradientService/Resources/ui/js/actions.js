// Actions: each changes state (and the editor, when it edits the request) and re-renders. Those
// that talk to the server record how it went in state.outcome ('answered', 'refused',
// 'unreachable', 'token'); no action returns a value for its caller to test.
import { $ } from './dom.js';
import { state, layersOf, isNested, gradientNorms, MAX_STEPS, MAX_LINK_TEXT } from './state.js';
import { post } from './api.js';
import { editorText, setEditor, setEditorText, parseEditor, rangeOf, select, locate, offsetBeforeSplice,
  fragmentFor } from './editor.js';
import * as edits from './edits.js';
import { stepsOf } from './steps.js';
import { render } from './render.js';
import { renderStatus } from './view-panels.js';

export function setStatus(text) {
  state.status = text;
  renderStatus();
}

export function askToken(action) {
  state.pending = action;
  state.outcome = 'token';
  state.status = 'This server needs a token: enter it above.';
  render();
  $('token').focus();
}

export function useToken(token) {
  state.token = token || null;
  if (!state.token) return;
  const action = state.pending || compute;
  state.pending = null;
  render();
  action();
}

// A refusal: kept in state for the problem panel, and its place selected in the editor.
function refused(result, editor, status) {
  state.problem = { status: result.status, json: result.json, text: result.text };
  state.outcome = 'refused';
  state.status = status;
  render();
  const range = rangeOf(editor, result.json || {});
  if (range) select(range);
}

// Posts `text` to `path`; { kind: 'answer', json } for a 200 with JSON, or { kind } ('token',
// 'unreachable', 'refused') after saying why not in state. state.outcome records the kind.
async function call(path, text, again, editor) {
  if (state.authRequired && !state.token) { askToken(again); return { kind: 'token' }; }
  let result;
  try {
    result = await post(path, text, state.token);
  } catch (e) {
    state.outcome = 'unreachable';
    setStatus('The server did not answer: ' + e.message);
    return { kind: state.outcome };
  }
  if (result.status === 401) { askToken(again); return { kind: 'token' }; }
  if (result.status !== 200 || !result.json) {
    if (editor.splice && result.json && Number.isInteger(result.json.offset)) {
      // A malformed body's offset counts bytes of the text sent: back to the editor's text.
      result.json.offset = offsetBeforeSplice(editor.text, editor.splice, result.json.offset);
    }
    refused(result, editor.text, path === '/v1/gradcheck' ? 'The server refused the check.' : 'The server refused the request.');
    return { kind: 'refused' };
  }
  return { kind: 'answer', json: result.json };
}

// Computes the editor's body as is (POST /v1/gradients) and draws the answer.
export async function compute() {
  const text = editorText();
  const sequence = ++state.sequence;
  setStatus('Computing…');
  const result = await call('/v1/gradients', text, compute, { text });
  // A later computation started meanwhile: its answer is the one to draw.
  if (sequence !== state.sequence || result.kind !== 'answer') return;
  const answer = result.json;
  state.problem = null;
  state.body = JSON.parse(text);
  state.answer = answer;
  state.outcome = 'answered';
  const L = layersOf(state.body).length;
  state.chosen = Math.max(1, Math.min(L, state.chosen));
  const steps = stepsOf(state.body, answer, state.vocabulary).steps;
  if (state.step !== null && (!steps || state.step >= steps.length)) state.step = null;
  state.status = 'Computed: loss ' + answer.loss + ' over a batch of ' + answer.batchSize + '.';
  render();
}

// Checks the editor's body against finite differences (POST /v1/gradcheck).
export async function gradcheck() {
  const parsed = parseEditor();
  if (parsed.error) { setStatus(parsed.error); return; }
  const body = parsed.body;
  // gradcheck takes only the reduction among the options, and computes in float64. The options'
  // value is replaced in the editor's own text and the rest is sent byte for byte: the check runs
  // on exactly the numbers shown (re-serialising would turn 1e400 into null, say), and a
  // problem's pointer names the same place in the editor.
  const text = editorText();
  let sent = text;
  let splice = null;
  if (body.options !== undefined) {
    const range = locate(text, '/options');
    const reduction = body.options && body.options.reduction;
    const options = JSON.stringify(reduction ? { reduction } : {});
    if (range) {
      sent = text.slice(0, range[0]) + options + text.slice(range[1]);
      splice = [range[0], range[1], options];
    }
  }
  setStatus('Checking against finite differences…');
  const result = await call('/v1/gradcheck', sent, gradcheck, { text, splice });
  if (result.kind !== 'answer') return;
  const answer = result.json;
  state.problem = null;
  state.gradcheck = answer;
  state.outcome = 'answered';
  state.status = 'Gradient check ' + (answer.passed ? 'passed' : 'failed') + ' for ' +
    answer.parameterCount + ' parameters (ε ' + answer.epsilon + ').';
  render();
}

// Gradient descent on the editor's body, one computation per step, drawn as it goes; stop()
// ends it after the step in flight.
export async function train() {
  const eta = Number($('eta').value);
  const steps = Math.max(1, Math.min(MAX_STEPS, Math.floor(Number($('steps').value) || 1)));
  if (!(eta >= 0) || !Number.isFinite(eta)) { setStatus('The learning rate must be a number ≥ 0.'); return; }
  if (state.training.running) return;
  if (state.authRequired && !state.token) { askToken(train); return; }
  const t = { running: true, stopping: false, losses: [], norms: [] };
  state.training = t;
  // Start from a fresh answer for the editor's body (also when nothing was computed yet: say, the
  // first computation failed); compute() says why when it cannot.
  await compute();
  let done = 0;
  let why = null;
  if (state.outcome === 'answered') {
    t.losses.push(state.answer.loss);
    t.norms.push(gradientNorms(state.answer));
    render();
    for (; done < steps && !t.stopping; done++) {
      const parsed = parseEditor();
      if (parsed.error) { why = parsed.error; break; }
      const body = parsed.body;
      const layers = layersOf(body);
      const grads = state.answer.layers || [];
      if (layers.some((layer, l) => !grads[l] || !isNested(layer.weights) || !isNested(grads[l].weightGradient) || !grads[l].biasGradient)) {
        why = 'Training needs nested weights in the request and weightGradient and biasGradient in the answer.';
        break;
      }
      layers.forEach((layer, l) => {
        const g = grads[l];
        layer.weights = layer.weights.map((row, i) => row.map((w, j) => w - eta * g.weightGradient[i][j]));
        const b = Array.isArray(layer.biases) ? layer.biases : new Array(layer.weights.length).fill(0);
        layer.biases = b.map((v, i) => v - eta * g.biasGradient[i]);
      });
      setEditor(body);
      const mine = state.sequence + 1;
      await compute();
      if (state.sequence !== mine) { why = 'Training stopped: another computation started.'; break; }
      if (state.outcome !== 'answered') break;
      t.losses.push(state.answer.loss);
      t.norms.push(gradientNorms(state.answer));
      render();
    }
  }
  const stopped = t.stopping;
  t.running = false;
  t.stopping = false;
  if (state.outcome === 'answered' && !why) {
    state.status = (stopped ? 'Stopped after ' : 'Trained ') + done + ' step' + (done === 1 ? '' : 's') + ' with η = ' + eta +
      ': loss ' + t.losses[0] + ' → ' + t.losses[t.losses.length - 1] + '.';
  } else if (why) {
    state.status = why;
  }
  render();
}

export function stop() {
  if (!state.training.running) return;
  state.training.stopping = true;
  setStatus('Stopping after the step in flight…');
  render();
}

// Edits made by the controls: change the parsed body, rewrite the editor, compute again.
export function edit(change) {
  const parsed = parseEditor();
  if (parsed.error) { setStatus(parsed.error); return; }
  const result = change(parsed.body, state.chosen) || {};
  if (result.message) { setStatus(result.message); return; }
  if (result.chosen) state.chosen = result.chosen;
  setEditor(parsed.body);
  compute();
}

export const addLayer = () => edit(edits.addLayer);
export const removeLayer = () => edit(edits.removeLayer);
export const addUnit = () => edit((b, l) => edits.changeUnits(b, l, 1));
export const removeUnit = () => edit((b, l) => edits.changeUnits(b, l, -1));

// A short name for the network last computed: "8 layers of sigmoid" or "2-3-1".
function describe(body) {
  const layers = layersOf(body);
  const hidden = layers.slice(0, -1).map((layer) => layer.activation || 'identity');
  if (layers.length >= 4 && hidden.every((a) => a === hidden[0])) return layers.length + ' layers of ' + hidden[0];
  return layers.length + ' layers (' + hidden.concat([(layers[layers.length - 1] || {}).activation || 'identity']).join(', ') + ')';
}

// Builds a deeper network from the editor's, keeping the flow shown now for comparison.
export function deepen() {
  const depth = Number($('deep-depth').value);
  const activation = $('deep-activation').value;
  const width = Math.max(1, Math.min(16, Math.floor(Number($('deep-width').value) || 4)));
  if (state.answer) state.pinned = { label: describe(state.body), norms: gradientNorms(state.answer) };
  state.step = null;
  edit((b) => edits.deepen(b, depth, activation, width));
}

export function pinFlow() {
  if (!state.answer) return;
  state.pinned = { label: describe(state.body), norms: gradientNorms(state.answer) };
  setStatus('Kept the gradient flow of ' + state.pinned.label + ' for comparison (dashed).');
  render();
}

export function unpinFlow() {
  state.pinned = null;
  render();
}

export function chooseLayer(l) {
  state.chosen = l;
  state.step = null;
  render();
}

export function chooseFocus(focus) {
  state.focus = focus;
  state.step = null;
  render();
}

// The step-through: Next from the start enters it; Back from the first step leaves it.
export function stepTo(index) {
  const steps = stepsOf(state.body, state.answer, state.vocabulary).steps;
  if (!steps || !steps.length) return;
  state.step = index === null ? null : Math.max(0, Math.min(steps.length - 1, index));
  if (state.step !== null) state.chosen = steps[state.step].layer;
  render();
}

export const stepNext = () => stepTo(state.step === null ? 0 : state.step + 1);
export const stepBack = () => stepTo(state.step === null || state.step === 0 ? null : state.step - 1);

export function setElement(which, value) {
  state.element = Object.assign({}, state.element, { [which]: Number(value) });
  render();
}

// Adds every quantity and the explanation to the options, and computes again.
export function askForEverything() {
  edit((b) => {
    b.options = Object.assign({}, b.options, { include: state.vocabulary.quantities.slice(), explain: true });
    delete b.options.encoding;
    return null;
  });
}

// Puts the editor's text in the URL fragment (never sent to any server) for sharing.
export function share() {
  if (editorText().length > MAX_LINK_TEXT) {
    setStatus('This request is too large for a link (' + editorText().length + ' characters; at most ' + MAX_LINK_TEXT +
      '): links are kept in the browser\'s history. Save the editor\'s text instead.');
    return;
  }
  history.replaceState(null, '', location.pathname + location.search + fragmentFor(editorText()));
  setStatus('The address bar now holds this request in its #fragment: copy the link to share it. ' +
    'Opening it computes the same request; browsers do not send the fragment to any server.');
}

// Puts the request a link holds (textOfFragment's text) in the editor, or says why it cannot.
export function openLink(text) {
  if (text instanceof Error) {
    setStatus('The link\'s request could not be read: ' + text.message + '. The editor keeps its request.');
    return;
  }
  setEditorText(text);
  state.step = null;
}
