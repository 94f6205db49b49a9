// The "Image shape H × W" field for (N, D) files. Rows of D values are shown as H×W images: the
// core infers a square when D is one; otherwise the visitor gives H and W here (also to override
// the square), and Apply reads the file again with them. This file reads and checks the field,
// opens it, and words what the visitor must do; which file Apply reads again is app.js's
// (state.shapeFile, or the (N, D) file on screen).
// H × W closest to a square with H·W = D (H <= W), as an example for the visitor.
function exampleShape(d) {
  let height = Math.floor(Math.sqrt(d));
  while (height > 1 && d % height !== 0) height -= 1;
  return `${height} × ${d / height}`;
}

// The message of a load refused for want of a shape (an error with code 'needs_image_shape' and
// the file's N and D: samples, values).
function shapeNeededMessage({ values }) {
  return (
    `${values} values per row is not a square image: give the image shape (height × width = ${values}, ` +
    `e.g. ${exampleShape(values)}) and press Apply.`
  );
}

class ShapeField {
  // elements: {details, form, height, width}; onApply() on Apply (or Enter in the field),
  // onInvalid(message) when the field is read while it holds no usable shape.
  constructor(elements, { onApply, onInvalid }) {
    this.elements = elements;
    this.onInvalid = onInvalid;
    elements.form.addEventListener('submit', (event) => {
      event.preventDefault(); // no navigation (the CSP has form-action 'none')
      onApply();
    });
  }

  // The field's shape: {height, width}, null when both are empty (infer), false when it is not
  // usable (then onInvalid says why, and the field is opened for a correction).
  read() {
    const texts = [this.elements.height.value.trim(), this.elements.width.value.trim()];
    if (!texts[0] && !texts[1]) return null;
    const [height, width] = texts.map(Number);
    if (![height, width].every((n) => Number.isInteger(n) && n >= 1)) {
      this.onInvalid(
        `The image shape ${texts[0] || '?'} × ${texts[1] || '?'} is not valid: give a whole height and width of at least 1, or leave both empty for square images.`,
      );
      this.reveal();
      return false;
    }
    return { height, width };
  }

  reveal() {
    this.elements.details.open = true;
    this.elements.height.focus();
  }

  // After a load, the inferred shape of an (N, D) file as the placeholder (an empty field keeps
  // inferring, so the next file is not read with a stale shape).
  showInferred(info) {
    const flat = info.shape.length === 2;
    this.elements.height.placeholder = flat ? String(info.height) : 'H';
    this.elements.width.placeholder = flat ? String(info.width) : 'W';
  }
}

export { ShapeField, exampleShape, shapeNeededMessage };
