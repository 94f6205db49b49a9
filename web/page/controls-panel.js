// The Sample and Animation controls: ◀ ▶ and the sample number (and the thumbnails, buttons
// too), components K, the frame step and the speed slider. The panel shows the view it is given
// and reports what the visitor asks for, unchecked: app.js clamps the values to the dataset and
// keeps them in the page's one state.
class ControlsPanel {
  // elements: {prev, next, sample, sampleCount, thumbs, k, kMax, step, speed, speedOutput};
  // onSample(index), onSampleBy(delta), onComponents(k), onStep(step), onSpeed(ms), with the
  // values as typed.
  constructor(elements, { onSample, onSampleBy, onComponents, onStep, onSpeed }) {
    this.elements = elements;
    const { prev, next, sample, thumbs, k, step, speed } = elements;
    prev.addEventListener('click', () => onSampleBy(-1));
    next.addEventListener('click', () => onSampleBy(1));
    sample.addEventListener('change', () => onSample(sample.value));
    thumbs.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-index]');
      if (button) onSample(Number(button.dataset.index));
    });
    k.addEventListener('change', () => onComponents(k.value));
    step.addEventListener('change', () => onStep(step.value));
    speed.addEventListener('input', () => onSpeed(speed.value));
  }

  // The limits of the dataset on screen: its samples, and the components fitted (or of its basis).
  setLimits(samples, fitted) {
    const { sample, sampleCount, k, kMax } = this.elements;
    sample.max = String(samples - 1);
    sampleCount.textContent = `of 0–${samples - 1}`;
    k.max = String(fitted);
    kMax.textContent = `max ${fitted}`;
  }

  // view: {sampleIndex, nComponents, step, frameDurationMs}; samples: the dataset's (0: none,
  // and ◀ ▶ are disabled).
  render({ sampleIndex, nComponents, step, frameDurationMs }, samples) {
    const e = this.elements;
    e.sample.value = String(sampleIndex);
    e.k.value = String(nComponents);
    e.step.value = String(step);
    e.step.max = String(nComponents);
    e.speed.value = String(frameDurationMs);
    e.speedOutput.textContent = `${frameDurationMs} ms`;
    e.prev.disabled = !samples || sampleIndex <= 0;
    e.next.disabled = !samples || sampleIndex >= samples - 1;
  }
}

export { ControlsPanel };
