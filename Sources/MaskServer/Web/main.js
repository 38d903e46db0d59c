// The page's entry point: loads /api/info, fills the screens and wires them together.
import { api } from './api.js';
import { set } from './state.js';
import { setupTabs } from './screens.js';
import { renderInfo, loadConfusion, setupData } from './data.js';
import { setupQuery, fillForm } from './query.js';
import { setupResults } from './results.js';
import { setupZoom } from './zoom.js';
import { setupDetail } from './detail.js';
import { setupAugmentExport } from './augment.js';
import { showError } from './run.js';

async function start() {
  setupTabs();
  setupData();
  setupQuery();
  setupResults();
  setupZoom();
  setupDetail();
  setupAugmentExport();
  try {
    const info = await api.info();
    set({ info });
    renderInfo(info);
    fillForm(info);
    await loadConfusion();
    document.body.dataset.ready = 'true';
  } catch (error) {
    showError(error);
    document.getElementById('data').textContent = `Cannot reach the server: ${error.message}`;
  }
}

start();
