// The animation's keyboard shortcuts, anywhere on the page: Space plays or pauses, ← and → move
// one step of k, Home and End go to the first and last k. Keys meant for something else are left
// alone: typing in a field, Space on a focused button (it presses the button), a key with a
// modifier, and any key before a figure is drawn.
function isTyping(target) {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toLowerCase();
  return tag === 'input' || tag === 'textarea' || tag === 'select' || target.isContentEditable;
}

// view: the FigureView (count, toggle, step, goTo); target: where keydown is listened to.
function bindFigureKeys(target, view) {
  target.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (isTyping(event.target) || !view.count) return;
    const onButton = event.target.closest && event.target.closest('button, a, summary');
    switch (event.key) {
      case ' ':
      case 'Spacebar':
        if (onButton) return; // Space activates the focused button
        view.toggle();
        break;
      case 'ArrowLeft':
        view.step(-1);
        break;
      case 'ArrowRight':
        view.step(1);
        break;
      case 'Home':
        view.goTo(0);
        break;
      case 'End':
        view.goTo(view.count - 1);
        break;
      default:
        return;
    }
    event.preventDefault();
  });
}

export { bindFigureKeys };
