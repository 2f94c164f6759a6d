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
