// The header field is search and command line at once. As a person types, the server answers the
// commands and the records that match (`/palette`); they show in one list under the field, grouped
// by kind. Arrow keys move through it, Enter opens a record or runs a command, Escape closes it.
// Enter with nothing chosen posts the text, which runs a command or shows every record found.
// Ctrl+K (⌘K) or "/" reaches the field from anywhere; on a phone an icon opens it.

const input = document.getElementById('command-input');
const box = document.getElementById('palette');
const opener = document.getElementById('search-open');
const header = input?.closest('header');

function editing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

if (input && box) {
  const form = input.form;
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', 'palette');
  input.setAttribute('aria-expanded', 'false');
  let options = [];
  let active = -1;
  let asked = 0;
  let timer;

  const close = () => {
    box.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };

  const highlight = (index) => {
    options.forEach((option, i) => option.setAttribute('aria-selected', String(i === index)));
    active = index;
    if (index < 0) {
      input.removeAttribute('aria-activedescendant');
      return;
    }
    input.setAttribute('aria-activedescendant', options[index].id);
    options[index].scrollIntoView({ block: 'nearest' });
  };

  const choose = (option) => {
    if (option.dataset.href) {
      window.location.assign(option.dataset.href);
    } else {
      input.value = option.dataset.command;
      close();
      form.requestSubmit();
    }
  };

  const group = (label, lines) => {
    const element = document.createElement('div');
    element.setAttribute('role', 'group');
    const heading = document.createElement('div');
    heading.className = 'palette-heading';
    heading.id = `palette-group-${box.children.length}`;
    heading.setAttribute('role', 'presentation');
    heading.textContent = label;
    element.setAttribute('aria-labelledby', heading.id);
    element.append(heading);
    for (const line of lines) {
      const option = document.createElement('div');
      option.className = 'palette-option';
      option.id = `palette-option-${options.length}`;
      option.setAttribute('role', 'option');
      option.setAttribute('aria-selected', 'false');
      option.setAttribute('translate', 'no');
      const title = document.createElement('span');
      title.className = 'palette-title';
      title.textContent = line.title;
      option.append(title);
      if (line.subtitle) {
        const subtitle = document.createElement('span');
        subtitle.className = 'palette-subtitle';
        subtitle.textContent = line.subtitle;
        option.append(subtitle);
      }
      if (line.href) option.dataset.href = line.href;
      else option.dataset.command = line.title;
      options.push(option);
      element.append(option);
    }
    box.append(element);
  };

  const show = (answer, text) => {
    box.replaceChildren();
    options = [];
    if (answer.commands.length) group(answer.commands_label, answer.commands.map((title) => ({ title })));
    for (const found of answer.groups) group(found.label, found.lines);
    // Enter takes the first line only when it is a record or a command the text begins, never
    // a command that merely resembles it.
    const chosen = options.length && text.trim() ? 0 : -1;
    if (answer.resembling.length) group(answer.resembling_label, answer.resembling.map((title) => ({ title })));
    if (answer.note) {
      const note = document.createElement('p');
      note.className = 'palette-note';
      note.textContent = answer.note;
      box.append(note);
    }
    const any = box.children.length > 0;
    box.hidden = !any;
    input.setAttribute('aria-expanded', String(any));
    highlight(chosen);
  };

  const ask = async () => {
    const mine = ++asked;
    const text = input.value;
    const response = await fetch(`${input.dataset.palette}?q=${encodeURIComponent(text)}`, {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
    // Only the answer to what is in the field now is shown, however the answers and the
    // keystrokes interleave.
    if (!response.ok || mine !== asked || text !== input.value) return;
    const answer = await response.json();
    if (mine !== asked || text !== input.value) return;
    show(answer, text);
  };

  input.addEventListener('input', () => {
    // Lines chosen for the text before this keystroke are no longer Enter's: until the new answer
    // comes, Enter posts what is typed.
    clearTimeout(timer);
    asked += 1;
    highlight(-1);
    timer = setTimeout(ask, 120);
  });
  input.addEventListener('focus', ask);
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (box.hidden) return;
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      highlight(options.length ? (active + step + options.length) % options.length : -1);
    } else if (event.key === 'Enter' && !box.hidden && active >= 0) {
      event.preventDefault();
      choose(options[active]);
    } else if (event.key === 'Escape') {
      // An answer still on its way must not open the list again.
      clearTimeout(timer);
      asked += 1;
      if (!box.hidden) close();
      else header?.classList.remove('searching');
    }
  });
  // A click on a line must not blur the field first.
  box.addEventListener('mousedown', (event) => event.preventDefault());
  box.addEventListener('click', (event) => {
    const option = event.target.closest('[role=option]');
    if (option) choose(option);
  });
  input.addEventListener('blur', () => setTimeout(() => {
    if (document.activeElement !== input) close();
  }, 0));

  const reach = () => {
    header?.classList.add('searching');
    opener?.setAttribute('aria-expanded', 'true');
    input.focus();
    input.select();
  };
  opener?.addEventListener('click', () => {
    if (header?.classList.contains('searching')) {
      header.classList.remove('searching');
      opener.setAttribute('aria-expanded', 'false');
    } else {
      reach();
    }
  });
  document.addEventListener('keydown', (event) => {
    const palette = (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k';
    const slash = event.key === '/' && !event.ctrlKey && !event.metaKey && !editing(event.target);
    if (palette || slash) {
      event.preventDefault();
      reach();
    }
  });
}
