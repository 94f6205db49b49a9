// The view options: the theme in force (the visitor's choice, else the system's) on the page and
// on the charts, and the Colours controls of gray images (colour-panel.js). Their values live in
// state.theme and state.colour (state.js); app.js hands over its elements, and writes the hash and
// redraws the figure when it is told the options changed.
import { update } from './state.js';
import { required } from './generated.js';
import { ColourPanel } from './colour-panel.js';
import { COLOUR_FIELDS } from './figure-controller.js';
import * as Theme from './theme.js';

/**
 * @param {{
 *   dom: {themeSwitch: HTMLElement, colour: any, charts: any[]},
 *   state: any,
 *   renderHash: () => void,
 *   refreshFigure: () => void,
 * }} app
 */
function createViewOptions({ dom, state, renderHash, refreshFigure }) {
  let themeShown = null;

  // patch: {colormap}, {residualColormap}, {scale} or {clipPercent}, as chosen (the module
  // refuses a value it does not know, and the page keeps the figure on screen).
  function setColour(patch) {
    update(state, { colour: Object.assign({}, state.colour, patch) });
    renderColour();
    renderHash();
    refreshFigure();
  }
  const colourPanel = new ColourPanel(dom.colour, { onChange: setColour });

  function renderColour() {
    colourPanel.render(state.colour, Boolean(state.dataset && state.dataset.info.channels === 3));
  }

  function renderTheme() {
    const theme = Theme.effectiveTheme(state.theme);
    Theme.applyPageTheme(theme);
    dom.themeSwitch.setAttribute('aria-checked', String(theme === 'dark'));
    if (theme === themeShown) return;
    themeShown = theme;
    for (const chart of dom.charts) {
      if (chart.data) required('Plotly').relayout(chart, Theme.figureThemeUpdate(chart.layout, theme));
    }
  }

  function toggleTheme() {
    update(state, { theme: Theme.effectiveTheme(state.theme) === 'dark' ? 'light' : 'dark' });
    renderTheme();
    renderHash();
  }

  // The hash's colour options and theme (url-state.js parseOptions): those given replace the
  // state's; the caller redraws the figure.
  function applyOptions(options) {
    const colour = Object.assign({}, state.colour);
    for (const field of COLOUR_FIELDS) if (options[field] !== undefined) colour[field] = options[field];
    update(state, { colour });
    renderColour();
    if (options.theme && options.theme !== state.theme) {
      update(state, { theme: options.theme });
      renderTheme();
    }
  }

  function wire() {
    dom.themeSwitch.addEventListener('click', toggleTheme);
    Theme.watchSystemTheme(renderTheme);
  }

  return { renderTheme, renderColour, applyOptions, wire };
}

export { createViewOptions };
