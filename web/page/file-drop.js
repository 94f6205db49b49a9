// A file dropped anywhere on the window opens it, not only on the drop zone: the whole window is
// the target, and `dragging` on the highlighted element (the page's body; style.css lights the
// drop zone up) says a file is over it. Drags of anything but files are left alone.
// win: the window listened to; highlight: the element that gets the `dragging` class;
// onFile(file) with the first file dropped.
function bindFileDrop(win, highlight, onFile) {
  // dragenter and dragleave fire for every child element crossed: count them, so the highlight
  // goes off only when the drag leaves the window.
  let dragDepth = 0;
  const hasFiles = (event) => event.dataTransfer && Array.from(event.dataTransfer.types || []).includes('Files');
  win.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    dragDepth += 1;
    highlight.classList.add('dragging');
  });
  win.addEventListener('dragleave', () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) highlight.classList.remove('dragging');
  });
  win.addEventListener('dragover', (event) => {
    event.preventDefault(); // without it the browser would open the file itself, leaving the page
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  });
  win.addEventListener('drop', (event) => {
    event.preventDefault();
    dragDepth = 0;
    highlight.classList.remove('dragging');
    const file = event.dataTransfer && event.dataTransfer.files && event.dataTransfer.files[0];
    if (file) onFile(file);
  });
}

export { bindFileDrop };
