// The board's cards move by dragging. A drop submits the card's own move form (the one the
// keyboard and browsers without the script use), so the server answers both alike: the stage
// changes with the version the card showed, a stale card gets the conflict message, and a final
// stage opens the deal's close dialog.

const board = document.getElementById('board');

if (board) {
  let dragged = null;
  board.addEventListener('dragstart', (event) => {
    dragged = event.target.closest('li.deal');
    if (!dragged) return;
    event.dataTransfer.effectAllowed = 'move';
    event.dataTransfer.setData('text/plain', dragged.dataset.id);
    dragged.classList.add('dragging');
  });
  board.addEventListener('dragend', () => {
    dragged?.classList.remove('dragging');
    for (const column of board.querySelectorAll('.column.drop-target')) column.classList.remove('drop-target');
  });
  board.addEventListener('dragover', (event) => {
    const column = event.target.closest('.column');
    if (!dragged || !column || column.contains(dragged)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    for (const other of board.querySelectorAll('.column.drop-target')) if (other !== column) other.classList.remove('drop-target');
    column.classList.add('drop-target');
  });
  board.addEventListener('drop', (event) => {
    const column = event.target.closest('.column');
    const form = dragged?.querySelector('form.move');
    if (!column || !form || column.contains(dragged)) return;
    event.preventDefault();
    form.querySelector('select[name=stage]').value = column.dataset.stage;
    form.requestSubmit();
  });
}
