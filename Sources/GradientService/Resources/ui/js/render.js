// Draws every view from state. Actions call render() after they change state.
import { state } from './state.js';
import { renderSummary, renderPicker, renderMenus, renderLayerControls } from './view-controls.js';
import { renderNetwork } from './view-network.js';
import { renderNeeds } from './view-needs.js';
import { renderHeatmaps } from './view-heatmaps.js';
import { renderSteps } from './view-steps.js';
import { renderFlow } from './view-flow.js';
import { renderTraining } from './view-training.js';
import { renderStatus, renderProblem, renderToken, renderGradcheck } from './view-panels.js';

export function render() {
  const focused = document.activeElement;
  drawAll();
  // Some views redraw their controls (the layer picker, the activation menus): when the control
  // that had the keyboard was replaced, its successor (same id) gets it, so the keyboard's place
  // in the page is not lost.
  if (focused && focused.id && !focused.isConnected) {
    const again = document.getElementById(focused.id);
    if (again) again.focus({ preventScroll: true });
  }
  // A control that had the keyboard and is now disabled (Next at the last step, Train while
  // training, Stop after it) hands it to its partner, so focus never falls back to the page;
  // when the partner is disabled too (Stop pressed while training ends), the hand-off waits for
  // the render that enables it.
  const from = focused && focused.isConnected && focused.disabled && PARTNERS[focused.id] ? focused.id
    : (waiting && (!document.activeElement || document.activeElement === document.body) ? waiting : null);
  waiting = null;
  if (from) {
    const partner = document.getElementById(PARTNERS[from]);
    if (partner && !partner.disabled) partner.focus({ preventScroll: true });
    else waiting = from;
  }
}

let waiting = null;
const PARTNERS = { 'step-next': 'step-back', 'step-back': 'step-next', train: 'stop', stop: 'train' };

function drawAll() {
  renderStatus();
  renderProblem();
  renderToken();
  renderGradcheck();
  renderTraining();
  if (!state.answer) return;
  renderSummary();
  renderPicker();
  renderNetwork();
  renderSteps();
  renderNeeds();
  renderHeatmaps();
  renderFlow();
  renderMenus(state.body);
  renderLayerControls(state.body);
}
