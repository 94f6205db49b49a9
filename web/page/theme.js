// Light or dark: the system's colour scheme (prefers-color-scheme) unless the visitor chose one
// with the switch or a link (#theme=dark). The page's colours are CSS variables (style.css) keyed
// on <html data-theme>; the figures' are plotly layout colours, set here: in the dark theme on each
// figure before it is drawn and by relayout when the theme changes (null resets plotly's default,
// which is the light theme).
const DARK_QUERY = '(prefers-color-scheme: dark)';

// The plotly colours of the dark theme (the light theme is plotly's defaults).
const DARK = Object.freeze({
  paper: '#1a1f27', // style.css --panel
  plot: '#1a1f27',
  ink: '#e4e8ef', // --ink
  grid: '#343c4a', // --line
  axis: '#a3acbb', // --muted
  control: '#262c36', // --control
  controlActive: '#3a4456',
  controlLine: '#4a5364', // --control-line
});

/** @returns {'light' | 'dark'} the theme in force: the one chosen, else the system's. */
function effectiveTheme(chosen, matchMedia = self.matchMedia) {
  if (chosen === 'light' || chosen === 'dark') return chosen;
  return matchMedia && matchMedia(DARK_QUERY).matches ? 'dark' : 'light';
}

/**
 * Calls onChange() when the system's colour scheme changes.
 * @param {() => void} onChange
 */
function watchSystemTheme(onChange) {
  if (self.matchMedia) self.matchMedia(DARK_QUERY).addEventListener('change', onChange);
}

/** @param {'light' | 'dark'} theme */
function applyPageTheme(theme) {
  document.documentElement.dataset.theme = theme;
}

// The layout paths a theme sets in a figure's layout: the figure's own axes, sliders and menus.
/**
 * @param {any} layout
 * @param {'light' | 'dark'} theme
 * @returns {Record<string, string | null>} a Plotly.relayout update (null: plotly's default)
 */
function figureThemeUpdate(layout, theme) {
  const dark = theme === 'dark';
  const pick = (colour) => (dark ? colour : null);
  /** @type {Record<string, string | null>} */
  const update = {
    paper_bgcolor: pick(DARK.paper),
    plot_bgcolor: pick(DARK.plot),
    'font.color': pick(DARK.ink),
  };
  for (const key of Object.keys(layout || {}).filter((k) => /^[xy]axis\d*$/.test(k))) {
    update[`${key}.gridcolor`] = pick(DARK.grid);
    update[`${key}.linecolor`] = pick(DARK.axis);
    update[`${key}.zerolinecolor`] = pick(DARK.axis);
    update[`${key}.tickcolor`] = pick(DARK.axis);
  }
  ((layout && layout.sliders) || []).forEach((_, i) => {
    update[`sliders[${i}].bgcolor`] = pick(DARK.control);
    update[`sliders[${i}].activebgcolor`] = pick(DARK.controlActive);
    update[`sliders[${i}].bordercolor`] = pick(DARK.controlLine);
    update[`sliders[${i}].tickcolor`] = pick(DARK.axis);
  });
  ((layout && layout.updatemenus) || []).forEach((_, i) => {
    update[`updatemenus[${i}].bgcolor`] = pick(DARK.control);
    update[`updatemenus[${i}].bordercolor`] = pick(DARK.controlLine);
    update[`updatemenus[${i}].font.color`] = pick(DARK.ink);
  });
  return update;
}

// The same update written into a layout object before it is drawn (dark only: the light theme
// is the layout as the module made it).
/**
 * @param {any} layout
 * @param {'light' | 'dark'} theme
 */
function themeLayout(layout, theme) {
  if (theme !== 'dark') return layout;
  for (const [path, value] of Object.entries(figureThemeUpdate(layout, theme))) {
    const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.');
    let at = layout;
    for (const part of parts.slice(0, -1)) at = at[part] = at[part] === undefined ? {} : at[part];
    at[parts[parts.length - 1]] = value;
  }
  return layout;
}

export { effectiveTheme, watchSystemTheme, applyPageTheme, figureThemeUpdate, themeLayout, DARK as DARK_FIGURE };
