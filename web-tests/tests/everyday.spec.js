// The everyday CRM a salesperson lives in (issue 14's journeys 1–6): records made where the
// person is, times on their own clock, dates agreed with the customer, comments and notes on
// the timeline, closing that asks first, and one figure for won revenue.
const { test, expect } = require('@playwright/test');
const h = require('./helpers');

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

/// A day on the Moscow calendar, `days` from today, as date inputs take it.
function moscowDay(days) {
  const at = new Date(Date.now() + days * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow' }).format(at);
}

/// Money as the page writes it, read back as a number of roubles.
function roubles(text) {
  return Number(text.replace(/[^0-9,]/g, '').replace(',', '.'));
}

async function wonRevenue(page) {
  await page.goto('/analytics');
  const won = page.locator('.headlines li').filter({ hasText: 'Выиграно' });
  return roubles(await won.locator('span').last().innerText());
}

async function wonColumn(page) {
  await page.goto('/board');
  const column = page.locator('section.column[data-stage="closed_won"]');
  return roubles(await column.locator('.totals span').last().innerText());
}

/// Chooses `text` in a picker, creating it in place from the picker's dialog.
async function createInPicker(page, kind, text, fields) {
  const picker = page.locator(`.picker[data-kind=${kind}]`);
  await picker.locator('[role=combobox]').fill(text);
  const create = picker.locator('[role=option].create');
  await expect(create).toContainText(text);
  await create.click();
  const dialog = page.locator(`#create-${kind}`);
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('input[name=name]')).toHaveValue(text);
  for (const [name, value] of Object.entries(fields)) await dialog.locator(`input[name=${name}]`).fill(value);
  await dialog.locator('button[type=submit]').click();
  await expect(dialog).toBeHidden();
  await expect(picker.locator('[role=combobox]')).toHaveValue(text);
  await expect(picker.locator('input[type=hidden]')).not.toHaveValue('');
}

test('1. a manager creates an account, a contact in it and an opportunity for them from the create menu', async ({ page }) => {
  const name = `Полярная звезда ${unique()}`;
  await h.signIn(page, h.people.manager);
  await page.locator('#create-menu > summary').click();
  await page.locator('#create-menu').getByRole('link', { name: 'Новая продажа' }).click();
  await expect(page).toHaveURL(/\/opportunities\/new$/);
  await page.locator('#opportunity-form input[name=title]').fill('Склад на Севере');
  // The account does not exist yet: made in place from the picker, keeping what was typed.
  await createInPicker(page, 'account', name, { industry: 'Логистика', phone: '+7 495 123-45-67' });
  await createInPicker(page, 'contact', 'Анна Смирнова', { email: `anna.${unique()}@polar.example` });
  await page.locator('#opportunity-form input[name=amount]').fill('1 200 000');
  await page.locator('#opportunity-form input[name=close_date]').fill(moscowDay(30));
  await h.screenshot(page, 'everyday-1-new-opportunity-ru');
  await page.locator('#opportunity-form button[type=submit]').click();
  await expect(page).toHaveURL(/\/opportunities\/[0-9a-f-]+$/);
  await expect(page.locator('#opportunity-title')).toHaveText('Склад на Севере');
  await expect(page.locator('.picker[data-kind=account] [role=combobox]')).toHaveValue(name);
  await expect(page.locator('.picker[data-kind=contact] [role=combobox]')).toHaveValue('Анна Смирнова');

  // The account's page has its contact and the deal.
  await page.goto('/accounts?q=' + encodeURIComponent(name));
  await page.getByRole('link', { name }).click();
  await expect(page.locator('h1')).toHaveText(name);
  await expect(page.locator('section[aria-labelledby=contacts-heading]')).toContainText('Анна Смирнова');
  await expect(page.locator('section[aria-labelledby=opportunities-heading]')).toContainText('Склад на Севере');
  await h.expectOneLanguage(page, 'ru');
  await h.screenshot(page, 'everyday-1-account-ru');
});

test('2. times read and entered on the manager’s own clock; the API keeps UTC', async ({ page, request }) => {
  const api = await h.apiAs(request, h.people.secondManager);
  const tomorrow = moscowDay(1);
  const task = await api.post('/activities', { type: 'task', title: 'Сверить счёт', due_at: `${tomorrow}T13:33:00Z` });
  await h.signIn(page, h.people.secondManager);
  await page.goto(`/activities/${task.id}`);
  await expect(page.locator('dl.facts')).toContainText('16:33');
  await expect(page.locator('#profile-link')).toContainText('Europe/Moscow');

  await page.locator('#create-menu > summary').click();
  await page.locator('#create-menu').getByRole('link', { name: 'Новая встреча' }).click();
  await page.locator('#activity-form input[name=title]').fill('Встреча с финансовым директором');
  await page.locator('#activity-form input[name=date]').fill(tomorrow);
  await page.locator('#activity-form input[name=time]').fill('11:00');
  await h.screenshot(page, 'everyday-2-new-meeting-ru');
  await page.locator('#activity-form button[type=submit]').click();
  await expect(page).toHaveURL(/\/activities\/[0-9a-f-]+$/);
  const id = page.url().match(/activities\/([0-9a-f-]+)/)[1];

  await page.goto(`/schedule?view=day&date=${tomorrow}`);
  const line = page.locator(`li[data-activity="${id}"]`);
  await expect(line.locator('time')).toHaveText('11:00–12:00');
  await h.screenshot(page, 'everyday-2-schedule-ru');
  const stored = await api.get(`/activities/${id}`);
  expect(stored.start_at).toBe(`${tomorrow}T08:00:00Z`);
});

test('3. the presentation moves to the agreed date, the supervisor reassigns it, a manual task is cancelled', async ({ browser, request }) => {
  const api = await h.apiAs(request, h.people.manager);
  const started = await api.post('/processes/enterprise-sale/start', {});
  const opportunity = started.opportunity.id;
  for (const a of (await api.get(`/activities?opportunity_id=${opportunity}&status=not_started`)).items) {
    await api.post(`/activities/${a.id}/complete`, { result: 'done' });
  }
  const presentation = (await api.get(`/activities?opportunity_id=${opportunity}&status=not_started`)).items[0];
  expect(presentation.step).toBe('presentation');

  const manager = await (await browser.newContext()).newPage();
  await h.signIn(manager, h.people.manager);
  await manager.goto(`/activities/${presentation.id}`);
  await manager.getByRole('link', { name: 'Изменить' }).click();
  await expect(manager.locator('#by-process')).toBeVisible();
  const agreed = moscowDay(7);
  await manager.locator('#activity-form input[name=date]').fill(agreed);
  await manager.locator('#activity-form input[name=time]').fill('15:00');
  await manager.locator('#activity-form button[type=submit]').click();
  await expect(manager.locator('dl.facts')).toContainText(`${agreed.slice(8, 10)}.${agreed.slice(5, 7)}.${agreed.slice(0, 4)} 15:00`);
  const moved = await api.get(`/activities/${presentation.id}`);
  expect(moved.start_at).toBe(`${agreed}T12:00:00Z`);
  expect(moved.status).toBe('not_started');

  const supervisor = await (await browser.newContext()).newPage();
  await h.signIn(supervisor, h.people.supervisor);
  await supervisor.goto(`/activities/${presentation.id}/edit`);
  await supervisor.locator('#activity-form select[name=owner_id]').selectOption({ label: 'Мария Иванова' });
  await supervisor.locator('#activity-form button[type=submit]').click();
  await expect(supervisor.locator('dl.facts')).toContainText('Мария Иванова');
  await h.screenshot(supervisor, 'everyday-3-reassigned-ru');

  // A manual task from the opportunity's page, then cancelled.
  await manager.goto(`/opportunities/${opportunity}`);
  await manager.locator('#new-activity').click();
  await manager.locator('#activity-form select[name=type]').selectOption('task');
  await manager.locator('#activity-form input[name=title]').fill('Отправить прайс');
  await manager.locator('#activity-form button[type=submit]').click();
  await expect(manager).toHaveURL(new RegExp(`/opportunities/${opportunity}$`));
  await expect(manager.locator('#history')).toContainText('Отправить прайс');
  const task = (await api.get(`/activities?opportunity_id=${opportunity}&status=not_started`)).items.find((a) => a.title === 'Отправить прайс');
  await manager.goto(`/activities/${task.id}`);
  await manager.getByRole('button', { name: 'Отменить активность' }).click();
  await expect(manager.locator('#activity-status')).toHaveText('Отменена');
  await expect(manager.locator('.mini-card')).toHaveCount(0);
});

test('4. a call’s comment and a note appear on the opportunity’s timeline', async ({ page, request }) => {
  const api = await h.apiAs(request, h.people.manager);
  const started = await api.post('/processes/enterprise-sale/start', {});
  const opportunity = started.opportunity.id;
  const call = (await api.get(`/activities?opportunity_id=${opportunity}&status=not_started`)).items.find((a) => a.step === 'contact_customer');
  await h.signIn(page, h.people.manager);
  await page.goto(`/activities/${call.id}`);
  await page.locator('textarea[name=note]').fill('Клиент просит демонстрацию во вторник');
  await page.locator('#main').getByRole('button', { name: 'Выполнить' }).click();
  await page.goto(`/opportunities/${opportunity}`);
  await expect(page.locator('#history li.completed').first()).toContainText('Клиент просит демонстрацию во вторник');
  await page.locator('#notes textarea[name=body]').fill('Финансовый директор в отпуске до 15-го');
  await page.locator('#notes button[type=submit]').click();
  await expect(page.locator('#history li.note').first()).toContainText('Финансовый директор в отпуске до 15-го');
  await h.expectOneLanguage(page, 'ru');
  await h.screenshot(page, 'everyday-4-timeline-ru');
});

test('5. «Клиент отказался» asks for confirmation and a lost reason; cancelling leaves the deal open', async ({ page, browser, request }) => {
  const api = await h.apiAs(request, h.people.manager);
  const started = await api.post('/processes/enterprise-sale/start', {});
  const opportunity = started.opportunity.id;
  await h.signIn(page, h.people.manager);
  await page.goto(`/opportunities/${opportunity}`);
  const card = h.miniCard(page, 'Связаться с клиентом, выяснить потребность, согласовать дату и время презентации');
  await card.locator('select[name=result]').selectOption({ label: 'Клиент отказался' });
  await card.locator('button[type=submit]').click();
  const dialog = page.locator('#confirm-close-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Завершена с проигрышем');
  await expect(dialog.locator('select[name=close_reason]')).toBeVisible();
  await expect(dialog.locator('input[name=actual_revenue]')).toHaveCount(0);
  expect(await h.axeViolations(page), 'axe with the confirmation open').toEqual([]);
  await h.screenshot(page, 'everyday-5-confirm-ru');
  await dialog.getByRole('link', { name: 'Отмена' }).click();
  await expect(dialog).toHaveCount(0);
  await page.reload();
  await expect(page.locator('.workflow-bar li.current')).toHaveText('Квалификация');
  expect((await api.get(`/opportunities/${opportunity}`)).closed_at).toBeNull();

  // Without the script the same question is a page of its own.
  const plain = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await h.signIn(plain, h.people.manager);
  await plain.goto(`/opportunities/${opportunity}`);
  const plainCard = h.miniCard(plain, 'Связаться с клиентом, выяснить потребность, согласовать дату и время презентации');
  await plainCard.locator('select[name=result]').selectOption({ label: 'Клиент отказался' });
  await plainCard.locator('button[type=submit]').click();
  await expect(plain.locator('h1')).toHaveText('Закрыть продажу?');
  expect((await api.get(`/opportunities/${opportunity}`)).closed_at).toBeNull();
  await plain.locator('#confirm-close select[name=close_reason]').selectOption({ label: 'Нет бюджета' });
  await plain.locator('#confirm-close input[name=hours_spent]').fill('3,5');
  await plain.locator('#confirm-close-submit').click();
  await expect(plain).toHaveURL(new RegExp(`/opportunities/${opportunity}$`));
  const closed = await api.get(`/opportunities/${opportunity}`);
  expect([closed.stage, closed.close_reason, closed.hours_spent]).toEqual(['closed_lost', 'no_budget', 3.5]);
});

test('6. a deal won by its last task counts its amount as won revenue until a figure is entered', async ({ page, request }) => {
  const api = await h.apiAs(request, h.people.manager);
  await h.signIn(page, h.people.manager);
  const [revenueBefore, columnBefore] = [await wonRevenue(page), await wonColumn(page)];
  const started = await api.post('/processes/enterprise-sale/start', {});
  const opportunity = started.opportunity.id;
  const patch = await request.patch(`/api/v1/opportunities/${opportunity}`, { data: { amount: '777777' }, headers: api.headers });
  expect(patch.ok()).toBeTruthy();
  // Every step done, the last one closes the deal as won.
  for (let round = 0; round < 10; round += 1) {
    const open = (await api.get(`/activities?opportunity_id=${opportunity}&status=not_started`)).items;
    if (open.length === 0) break;
    for (const a of open) await api.post(`/activities/${a.id}/complete`, { result: 'done' });
  }
  const won = await api.get(`/opportunities/${opportunity}`);
  expect([won.stage, won.actual_revenue]).toEqual(['closed_won', null]);
  expect(await wonRevenue(page)).toBeCloseTo(revenueBefore + 777777, 2);
  expect(await wonColumn(page)).toBeCloseTo(columnBefore + 777777, 2);
  await h.screenshot(page, 'everyday-6-board-ru');

  await page.goto(`/opportunities/${opportunity}#closing`);
  await expect(page.locator('#closing input[name=actual_revenue]')).toHaveValue('777777.00');
  await page.locator('#closing input[name=actual_revenue]').fill('700 000');
  await page.locator('#closing button[type=submit]').click();
  expect(await wonRevenue(page)).toBeCloseTo(revenueBefore + 700000, 2);
  expect(await wonColumn(page)).toBeCloseTo(columnBefore + 700000, 2);
  await h.screenshot(page, 'everyday-6-analytics-ru');
});

test('the journeys read in English: the confirmation, the timeline, the schedule', async ({ page, request }) => {
  const api = await h.apiAs(request, h.people.englishManager);
  const started = await api.post('/processes/enterprise-sale/start', {});
  const opportunity = started.opportunity.id;
  await h.signIn(page, h.people.englishManager);
  await page.goto(`/opportunities/${opportunity}`);
  const card = h.miniCard(page, 'Contact the customer, clarify the need, agree on the date and time of the presentation');
  await card.locator('select[name=result]').selectOption({ label: 'Customer declined' });
  await card.locator('button[type=submit]').click();
  const dialog = page.locator('#confirm-close-dialog');
  await expect(dialog).toContainText('Close the deal?');
  expect(await h.axeViolations(page), 'axe with the confirmation open').toEqual([]);
  await h.expectOneLanguage(page, 'en');
  await h.screenshot(page, 'everyday-5-confirm-en');
  await dialog.getByRole('link', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await page.locator('#notes textarea[name=body]').fill('The CFO is away until the 15th');
  await page.locator('#notes button[type=submit]').click();
  await expect(page.locator('#history li.note').first()).toContainText('The CFO is away until the 15th');
  await h.expectOneLanguage(page, 'en');
  await h.screenshot(page, 'everyday-4-timeline-en');
  await page.goto('/schedule?view=week');
  await h.expectOneLanguage(page, 'en');
  await h.screenshot(page, 'everyday-2-schedule-en');
});

test('the new pages read in English too, on a desk and on a phone', async ({ browser }) => {
  for (const [width, height] of [[1440, 900], [390, 844]]) {
    const page = await (await browser.newContext({ viewport: { width, height }, locale: 'en-GB' })).newPage();
    await h.signIn(page, h.people.englishManager);
    for (const [path, name] of [['/accounts', 'accounts'], ['/contacts', 'contacts'], ['/activities/new?type=meeting', 'new-meeting'],
      ['/opportunities/new', 'new-opportunity'], ['/leads/new', 'new-lead'], ['/profile', 'profile']]) {
      await page.goto(path);
      await h.expectOneLanguage(page, 'en');
      await h.screenshot(page, `everyday-${name}-en-${width}`);
    }
    await page.goto('/accounts');
    await page.locator('#account-list td a').first().click();
    await h.expectOneLanguage(page, 'en');
    await h.screenshot(page, `everyday-account-en-${width}`);
  }
});
