// The Colours controls: the image colour map, the residual's, the colour scale (fixed across
// frames or each frame its own) and percentile clipping. The panel shows the options it is given
// and reports the visitor's choice; the module applies them to gray images (colour images keep
// their own colours, and the panel says so).
import { OPTIONS } from './url-state.js';

/** @typedef {{colormap: string, residualColormap: string, scale: string, clipPercent: number}} ColourChoice */

// "1" -> "1–99 %"; 0 -> none.
function clipLabel(percent) {
  return percent > 0 ? `${percent}–${100 - percent} %` : 'none (min–max)';
}

class ColourPanel {
  // elements: {colormap, residual, scale, clip, note} (the four <select>s and the RGB note);
  // onChange(patch) with the option changed, e.g. {colormap: 'viridis'} or {clipPercent: 1}.
  /**
   * @param {{colormap: any, residual: any, scale: any, clip: any, note: any}} elements
   * @param {{onChange: (patch: Partial<ColourChoice>) => void}} callbacks
   */
  constructor(elements, { onChange }) {
    this.elements = elements;
    const { colormap, residual, scale, clip } = elements;
    colormap.addEventListener('change', () => onChange({ colormap: colormap.value }));
    residual.addEventListener('change', () => onChange({ residualColormap: residual.value }));
    scale.addEventListener('change', () => onChange({ scale: scale.value }));
    clip.addEventListener('change', () => onChange({ clipPercent: Number(clip.value) }));
  }

  // choice: the options in force; colourImages: the dataset on screen is RGB (the options do
  // not apply, so the selects are disabled and the note shown).
  /**
   * @param {ColourChoice} choice
   * @param {boolean} colourImages
   */
  render(choice, colourImages) {
    const { colormap, residual, scale, clip, note } = this.elements;
    colormap.value = choice.colormap;
    residual.value = choice.residualColormap;
    scale.value = choice.scale;
    const clipText = String(choice.clipPercent);
    // A percentage from a link that the list does not offer gets its own entry.
    if (![...clip.options].some((option) => option.value === clipText)) {
      const option = document.createElement('option');
      option.value = clipText;
      option.textContent = clipLabel(choice.clipPercent);
      clip.append(option);
    }
    clip.value = clipText;
    for (const select of [colormap, residual, scale, clip]) select.disabled = colourImages;
    note.hidden = !colourImages;
  }
}

export { ColourPanel, OPTIONS as COLOUR_OPTIONS };
