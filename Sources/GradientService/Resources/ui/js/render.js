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
}

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
