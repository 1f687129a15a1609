// dealflow's progressive enhancement. Every page works without this script: links and plain
// form posts do everything. With it, mini-cards complete in place, notifications arrive live,
// the header field searches and suggests commands, and dialogs open without a page load.

import './palette.js';
import './board.js';

document.documentElement.classList.add('js');

// Filters apply as soon as one changes; their button stays for browsers without the script.
for (const form of document.querySelectorAll('form[data-autosubmit]')) {
  form.addEventListener('change', (event) => {
    if (event.target.matches('select, input[type=checkbox], input[type=radio], input[type=date]')) form.requestSubmit();
  });
}

// On a narrow screen the sections fold behind the header's menu button.
const navToggle = document.getElementById('nav-toggle');
navToggle?.addEventListener('click', () => {
  const open = document.getElementById('side-nav').classList.toggle('open');
  navToggle.setAttribute('aria-expanded', String(open));
});

const liveRegion = () => document.getElementById('live');

// The sign-in form tells the server the browser's time zone, which a person's first sign-in adopts.
const browserZone = document.getElementById('browser-time-zone');
if (browserZone) browserZone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';

// The close dialog asks a won deal for its revenue and a won reason, a lost one for a lost reason.
function fitCloseForm(form) {
  const stage = form.querySelector('select[name=stage]');
  if (!stage) return;
  const won = (form.dataset.wonStages || '').split(',').includes(stage.value);
  form.classList.toggle('lost', !won);
  const reason = form.querySelector('select.close-reason');
  for (const group of reason ? reason.querySelectorAll('optgroup') : []) {
    group.hidden = group.dataset.outcome !== (won ? 'won' : 'lost');
    group.disabled = group.hidden;
  }
  if (reason && reason.selectedOptions[0]?.parentElement?.disabled) reason.value = '';
}
for (const form of document.querySelectorAll('form.close-form')) {
  fitCloseForm(form);
  form.querySelector('select[name=stage]')?.addEventListener('change', () => fitCloseForm(form));
}

// Dialogs ------------------------------------------------------------------------------------

function openCloseDialog(stage) {
  const dialog = document.getElementById('close-dialog');
  if (!dialog || !dialog.showModal) return false;
  if (stage) {
    const select = document.getElementById('close-stage');
    if (select) select.value = stage;
  }
  const form = dialog.querySelector('form.close-form');
  if (form) fitCloseForm(form);
  if (!dialog.open) dialog.showModal();
  return true;
}

document.addEventListener('click', (event) => {
  const opener = event.target.closest('[data-dialog]');
  if (opener) {
    const dialog = document.getElementById(opener.dataset.dialog);
    if (dialog && dialog.showModal) {
      event.preventDefault();
      dialog.showModal();
    }
    return;
  }
  const closer = event.target.closest('[data-close]');
  if (closer && openCloseDialog(closer.dataset.close)) {
    event.preventDefault();
    closer.closest('details')?.removeAttribute('open');
    return;
  }
  const cancel = event.target.closest('.close-dialog');
  if (cancel && cancel.closest('dialog')) {
    event.preventDefault();
    cancel.closest('dialog').close();
  }
});

// A dialog the server sent open (a form with errors) becomes a proper modal one.
for (const dialog of document.querySelectorAll('dialog[data-open-modal]')) {
  dialog.removeAttribute('open');
  dialog.showModal();
}

// Menus close when a click lands outside them.
document.addEventListener('click', (event) => {
  for (const menu of document.querySelectorAll('details.menu[open]')) {
    if (!menu.contains(event.target)) menu.removeAttribute('open');
  }
});

// The live part of the opportunity page ------------------------------------------------------

// Forms marked data-swap="live" (mini-cards, the workflow bar) post in the background; the
// server answers with the redrawn live part, which replaces the old one.
document.addEventListener('submit', async (event) => {
  const form = event.target.closest('form[data-swap="live"]');
  const current = liveRegion();
  if (!form || !current) return;
  event.preventDefault();
  const stage = event.submitter?.name === 'stage' ? event.submitter.value : null;
  if (form.classList.contains('workflow-bar') && stage && !form.dataset.previewed) {
    previewMove(form, event.submitter, current.dataset.opportunity, stage, form.querySelector('[name=version]').value, 'live');
    return;
  }
  delete form.dataset.previewed;
  const body = new URLSearchParams(new FormData(form, event.submitter));
  for (const button of form.querySelectorAll('button')) button.disabled = true;
  let response;
  try {
    response = await fetch(form.action, { method: 'POST', body, headers: { 'X-Fragment': 'live' }, credentials: 'same-origin' });
  } catch {
    window.location.reload();
    return;
  }
  // 409: the deal changed meanwhile; 422: its exit criteria hold the move back. Both redraw.
  if (!response.ok && response.status !== 409 && response.status !== 422) {
    window.location.reload();
    return;
  }
  const fresh = new DOMParser().parseFromString(await response.text(), 'text/html').getElementById('live');
  if (!fresh) {
    window.location.reload();
    return;
  }
  const closedNow = fresh.querySelector('.workflow-bar.locked') && !current.querySelector('.workflow-bar.locked');
  current.replaceWith(fresh);
  document.getElementById('stage-move-dialog')?.close();
  // Other forms on the page must send the version the record has now.
  for (const input of document.querySelectorAll('input.record-version')) input.value = fresh.dataset.version;
  const stageName = fresh.querySelector('.workflow-bar [aria-current="step"]');
  const heading = document.getElementById('current-stage');
  if (stageName && heading) heading.textContent = stageName.textContent.trim();
  // Closing changes the rest of the page too (orders, closing figures, the Actions menu).
  if (closedNow) window.location.reload();
});

// A stage change shows what it will do before it is made (the workflow bar, a board card): the
// server's preview opens in a dialog whose form makes the move. When no preview can be had (a
// stale card, a final stage), the move goes ahead as asked and the server answers as it would.
async function previewMove(form, submitter, opportunity, stage, version, back) {
  const query = new URLSearchParams({ stage, version, back });
  let page = null;
  try {
    const response = await fetch(`/opportunities/${opportunity}/move?${query}`, { credentials: 'same-origin' });
    if (response.ok) page = new DOMParser().parseFromString(await response.text(), 'text/html');
  } catch {
    page = null;
  }
  const panel = page?.getElementById('stage-move');
  if (!panel) {
    form.dataset.previewed = 'yes';
    form.requestSubmit(submitter);
    return;
  }
  const dialog = document.createElement('dialog');
  dialog.id = 'stage-move-dialog';
  dialog.setAttribute('aria-labelledby', 'stage-move-title');
  dialog.append(panel);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  (dialog.querySelector('textarea') || dialog.querySelector('#stage-move-submit') || dialog.querySelector('a'))?.focus();
}

// A board card's move (dragged, or its own form from the keyboard) asks the same way.
document.addEventListener('submit', (event) => {
  const form = event.target.closest('#board form.move');
  if (!form || form.dataset.previewed) {
    if (form) delete form.dataset.previewed;
    return;
  }
  event.preventDefault();
  const value = (name) => form.querySelector(`[name=${name}]`).value;
  previewMove(form, event.submitter, value('id'), value('stage'), value('version'), 'board');
});

// Live notifications -----------------------------------------------------------------------

const counter = document.getElementById('unread-count');
if (counter && window.EventSource) {
  const source = new EventSource('/events');
  source.addEventListener('notification', (event) => {
    const note = JSON.parse(event.data);
    // The server's own count: a notice the page already counted when it was drawn is not added again.
    const count = note.unread >= 0 ? note.unread : Number(counter.textContent) + 1;
    counter.textContent = String(count);
    counter.classList.toggle('zero', count === 0);
    const template = document.getElementById('notification-template');
    const list = document.getElementById('notification-list');
    const shown = list && [...list.children].some((li) => li.dataset.notification === note.id);
    if (template && list && !shown) {
      const item = template.content.firstElementChild.cloneNode(true);
      item.querySelector('form').action = `/notifications/${encodeURIComponent(note.id)}/open`;
      item.querySelector('strong').textContent = note.title;
      item.querySelector('span').textContent = note.body;
      item.querySelector('time').textContent = note.when;
      item.dataset.notification = note.id;
      list.prepend(item);
      document.getElementById('no-notifications')?.setAttribute('hidden', '');
    }
    counter.closest('summary')?.classList.add('pulse');
  });
  window.addEventListener('pagehide', () => source.close());
}

// A document picked from disk goes into the text area it names, to be checked and published ----

for (const picker of document.querySelectorAll('input[type=file][data-load-into]')) {
  // Reading a file needs the script: without it the picker stays hidden and the text is pasted.
  picker.hidden = false;
  picker.addEventListener('change', async () => {
    const file = picker.files?.[0];
    const target = document.getElementById(picker.dataset.loadInto);
    if (file && target) target.value = await file.text();
  });
}

// Pickers: a name field that searches the server as the person types -------------------------

function pickerChoose(picker, id, label) {
  picker.querySelector('input[type=hidden]').value = id;
  const field = picker.querySelector('[role=combobox]');
  field.value = label;
  field.removeAttribute('aria-invalid');
  const list = picker.querySelector('[role=listbox]');
  list.hidden = true;
  field.setAttribute('aria-expanded', 'false');
  field.removeAttribute('aria-activedescendant');
  // A contact chosen from an account picker's neighbour narrows to that account next time.
  picker.dispatchEvent(new CustomEvent('picked', { bubbles: true }));
}

function pickerOption(picker, index, text, detail, onChoose, typedByPeople = true) {
  const option = document.createElement('li');
  option.id = `${picker.dataset.kind}-option-${index}`;
  option.setAttribute('role', 'option');
  // Names and details are people's data, not the app's words.
  const label = Object.assign(document.createElement('span'), { textContent: text });
  if (typedByPeople) label.setAttribute('translate', 'no');
  option.append(label);
  if (detail) option.append(Object.assign(document.createElement('small'), { textContent: detail, translate: false }));
  option.addEventListener('mousedown', (event) => {
    event.preventDefault();
    onChoose();
  });
  option.choose = onChoose;
  return option;
}

function openCreateDialog(picker, typed) {
  const dialog = document.getElementById(picker.dataset.dialogFor);
  if (!dialog || !dialog.showModal) return;
  const form = dialog.querySelector('form');
  form.reset();
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  form.querySelector('[name=name]').value = typed;
  // A contact made from a form that has an account chosen belongs to it.
  const account = picker.closest('form')?.querySelector('input[name=account_id]');
  const own = form.querySelector('input[name=account_id]');
  if (own) own.value = account ? account.value : '';
  dialog.picker = picker;
  dialog.showModal();
  form.querySelector('[name=name]').focus();
}

for (const picker of document.querySelectorAll('.picker')) {
  const field = picker.querySelector('[role=combobox]');
  const hidden = picker.querySelector('input[type=hidden]');
  const list = picker.querySelector('[role=listbox]');
  let timer;
  let active = -1;
  const options = () => [...list.children];
  const highlight = (index) => {
    const all = options();
    if (!all.length) return;
    active = (index + all.length) % all.length;
    all.forEach((o, i) => o.setAttribute('aria-selected', String(i === active)));
    field.setAttribute('aria-activedescendant', all[active].id);
    all[active].scrollIntoView({ block: 'nearest' });
  };
  const search = async () => {
    const typed = field.value.trim();
    let url = `${picker.dataset.source}?q=${encodeURIComponent(typed)}`;
    const account = picker.closest('form')?.querySelector('input[name=account_id]');
    if (picker.dataset.kind === 'contact' && account && account.value) url += `&account_id=${encodeURIComponent(account.value)}`;
    const response = await fetch(url, { credentials: 'same-origin' });
    if (!response.ok || field.value.trim() !== typed) return;
    const { items } = await response.json();
    const shown = items.map((item, i) => pickerOption(picker, i, item.label, item.detail, () => pickerChoose(picker, item.id, item.label)));
    if (picker.dataset.create && typed) {
      const create = pickerOption(picker, shown.length, `+ ${picker.dataset.create}: `, '', () => {
        list.hidden = true;
        openCreateDialog(picker, typed);
      }, false);
      create.firstChild.append(Object.assign(document.createElement('span'), { textContent: typed, translate: false }));
      create.classList.add('create');
      shown.push(create);
    }
    list.replaceChildren(...shown);
    list.hidden = shown.length === 0;
    field.setAttribute('aria-expanded', String(!list.hidden));
    active = -1;
  };
  field.addEventListener('input', () => {
    hidden.value = '';
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  field.addEventListener('focus', () => {
    if (!field.value) search();
  });
  field.addEventListener('blur', () => {
    setTimeout(() => {
      list.hidden = true;
      field.setAttribute('aria-expanded', 'false');
    }, 100);
  });
  field.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      if (list.hidden) search();
      else highlight(active + 1);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      highlight(active - 1);
    } else if (event.key === 'Enter' && !list.hidden && active >= 0) {
      event.preventDefault();
      options()[active].choose();
    } else if (event.key === 'Escape') {
      list.hidden = true;
      field.setAttribute('aria-expanded', 'false');
    }
  });
}

// A record made in place from a picker's dialog is chosen in the picker that opened it.
document.addEventListener('submit', async (event) => {
  const form = event.target.closest('form[data-create-in-place]');
  if (!form) return;
  event.preventDefault();
  const dialog = form.closest('dialog');
  const body = new URLSearchParams(new FormData(form));
  const response = await fetch(form.action, { method: 'POST', body, headers: { 'X-Fragment': 'picker' }, credentials: 'same-origin' });
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  if (response.status === 201) {
    const made = await response.json();
    if (dialog.picker) pickerChoose(dialog.picker, made.id, made.label);
    dialog.close();
    return;
  }
  if (response.status === 422) {
    const { errors } = await response.json();
    for (const [field, message] of errors) {
      const slot = form.querySelector(`[data-error-for="${field}"]`) || form.querySelector('[data-error-for=name]');
      slot.textContent = message;
    }
    return;
  }
  window.location.reload();
});

// The activity form asks for a duration only for meetings and calls.
const activityType = document.getElementById('activity-type');
if (activityType) {
  const duration = document.querySelector('label.duration');
  const taskNote = document.querySelector('.task-only');
  const show = () => {
    const timed = ['meeting', 'call'].includes(activityType.value);
    duration.hidden = !timed;
    if (taskNote) taskNote.hidden = timed;
  };
  activityType.addEventListener('change', show);
  show();
}

// A result that closes the deal asks first: the server's own confirmation form opens in a
// dialog, and nothing closes unless it is sent. Cancelling leaves the deal as it was.
document.addEventListener('submit', async (event) => {
  const form = event.target.closest('form[action$="/complete"]');
  const option = form?.querySelector('select[name=result]')?.selectedOptions[0];
  if (!form || !option || !option.dataset.closes || form.id === 'confirm-close') return;
  event.preventDefault();
  event.stopImmediatePropagation();
  const body = new URLSearchParams(new FormData(form));
  const response = await fetch(form.action, { method: 'POST', body, credentials: 'same-origin' });
  const page = new DOMParser().parseFromString(await response.text(), 'text/html');
  const confirm = page.getElementById('confirm-close');
  if (!confirm) {
    window.location.reload();
    return;
  }
  const dialog = document.createElement('dialog');
  dialog.id = 'confirm-close-dialog';
  const heading = page.querySelector('main h1');
  heading.id = 'confirm-close-title';
  dialog.setAttribute('aria-labelledby', heading.id);
  dialog.append(heading, ...page.querySelectorAll('main > p'), confirm);
  confirm.querySelector('a.button')?.classList.add('close-dialog');
  document.body.append(dialog);
  dialog.addEventListener('close', () => dialog.remove());
  dialog.showModal();
  confirm.querySelector('select')?.focus();
}, true);

// A button that copies a field's text (a calendar address) and says it did; where the clipboard
// is not offered (plain HTTP off this machine) the text is left selected for Ctrl+C.
document.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-copy]');
  const field = button && document.getElementById(button.dataset.copy);
  if (!field) return;
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    button.textContent = button.dataset.copied;
  } catch {
    // The selection stays for the person to copy.
  }
});

// An import under way: its progress bar follows the worker, and the page comes back with the
// results once the pass ends.
const importProgress = document.querySelector('[data-import-progress]');
if (importProgress) {
  const bar = importProgress.querySelector('progress');
  const text = document.getElementById('progress-text');
  const poll = async () => {
    try {
      const answer = await fetch(importProgress.dataset.importProgress, { headers: { Accept: 'application/json' } });
      const progress = await answer.json();
      bar.max = progress.total_rows;
      bar.value = progress.done_rows;
      text.textContent = text.dataset.template.replace('{done}', progress.done_rows).replace('{total}', progress.total_rows);
      if (progress.status !== 'checking' && progress.status !== 'importing') {
        window.location.reload();
        return;
      }
    } catch {
      // A missed look is taken again at the next one.
    }
    setTimeout(poll, 700);
  };
  setTimeout(poll, 700);
}
