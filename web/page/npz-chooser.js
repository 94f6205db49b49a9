// The chooser of a .npz archive's arrays, shown when an archive holds several stacks of images
// (nothing is loaded until the visitor picks one). A form of radio buttons, so the keyboard works
// as it does everywhere: arrow keys move between the arrays, Enter loads, Escape cancels. Arrays that cannot be
// read as images are listed disabled, with the reason. This file only draws and reports: what is
// offered lives in the page's one state (state.chooser), and app.js decides what Load and Cancel do.
class NpzChooser {
  // elements: {form, list, hint, cancel, returnFocus}; returnFocus gets the focus when the
  // chooser closes while it had it (keyboard users land on "Choose a file", not on <body>).
  // onLoad(memberName) on Load (or Enter), onCancel() on Cancel (or Escape inside the chooser).
  constructor(elements, { onLoad, onCancel }) {
    this.elements = elements;
    elements.form.addEventListener('submit', (event) => {
      event.preventDefault(); // no navigation (the CSP has form-action 'none')
      const member = this.picked();
      if (member !== null) onLoad(member);
    });
    elements.cancel.addEventListener('click', () => onCancel());
    elements.form.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      onCancel();
    });
  }

  // chooser: {dataset: {name}, members: [{name, shape, dtype, image, note}], basis} to show,
  // or null to hide. The first array that is images is selected and focused.
  render(chooser) {
    const { form, list, hint, returnFocus } = this.elements;
    const hadFocus = form.contains(document.activeElement);
    form.hidden = !chooser;
    if (!chooser) {
      list.replaceChildren();
      if (hadFocus) returnFocus.focus();
      return;
    }
    hint.textContent =
      `${chooser.dataset.name} holds several arrays` +
      (chooser.basis
        ? ' and a PCA basis (components, mean): choose the images to reconstruct from it.'
        : ': choose the stack of images to load.');
    /** @type {HTMLInputElement | null} */
    let first = null;
    const rows = chooser.members.map((m) => {
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.type = 'radio';
      input.name = 'npz-member';
      input.value = m.name;
      input.disabled = !m.image;
      if (m.image && !first) first = input;
      const text = document.createElement('span');
      text.textContent = m.name;
      const meta = document.createElement('span');
      meta.className = 'meta';
      const shape = m.shape ? `(${m.shape.join(', ')}${m.shape.length === 1 ? ',' : ''})` : '';
      meta.textContent = [shape, m.dtype, m.image ? '' : `not images: ${m.note || 'unreadable'}`].filter(Boolean).join(' · ');
      label.append(input, text, meta);
      return label;
    });
    list.replaceChildren(...rows);
    if (first) {
      first.checked = true;
      first.focus();
    }
  }

  // The name of the array selected, or null.
  picked() {
    const input = this.elements.list.querySelector('input[name="npz-member"]:checked');
    return input ? input.value : null;
  }
}

export { NpzChooser };
