// The salesperson's day, end to end, as a person sees it (issue 4's journeys 1–6).
const { test, expect } = require('@playwright/test');
const h = require('./helpers');

const QUALIFICATION = ['Связаться с клиентом, выяснить потребность, согласовать дату и время презентации', 'Подготовить презентацию'];
const PRESENTATION = ['Презентация'];
const PROPOSAL = [
  'Презентовать КП',
  'Связаться с клиентом для получения комментариев и согласования КП',
  'Подготовить и согласовать договор внутри компании',
];
const CONTRACTING = [
  'Отправить договор клиенту',
  'Связаться с клиентом, уточнить статус получения договора и дату предоставления комментариев',
  'Согласовать и подписать договор с клиентом',
];

async function expectCards(page, titles) {
  await expect(page.locator('.mini-card h3')).toHaveText(titles, { useInnerText: true });
}

test('1. a manager runs the process from the side panel, fills in BANT and completes Qualification in place', async ({ page }) => {
  await h.signIn(page, h.people.manager);
  const id = await h.runFromSidePanel(page, 'Корпоративная продажа');
  await expect(page.locator('#opportunity-title')).toHaveText('Новая продажа');
  await expect(page.locator('#start-hint')).toContainText('Процесс запущен');
  await expect(page.locator('.workflow-bar li.current')).toHaveText('Квалификация');
  await expectCards(page, QUALIFICATION);

  // A wrong amount comes back beside its field, with what was typed kept.
  const details = page.locator('#details form');
  await details.locator('input[name=budget]').fill('полмиллиона');
  await details.locator('textarea[name=need]').fill('Единая CRM для трёх филиалов');
  await details.locator('#save-details').click();
  await expect(page.locator('#budget-error')).toHaveText('Введите сумму не меньше нуля, например 150000 или 150000,50.');
  await expect(details.locator('input[name=budget]')).toHaveValue('полмиллиона');
  await expect(details.locator('textarea[name=need]')).toHaveValue('Единая CRM для трёх филиалов');

  await details.locator('input[name=budget]').fill('500 000');
  await details.locator('input[name=budget_confirmed]').check();
  await details.locator('select[name=decision_maker_id]').selectOption({ index: 1 });
  await details.locator('input[name=timeframe]').fill('2027-02-15');
  await details.locator('#save-details').click();
  await expect(page.locator('.notice.ok')).toHaveText('Изменения сохранены.');
  await expect(details.locator('input[name=budget]')).toHaveValue('500000.00');
  await expect(details.locator('input[name=budget_confirmed]')).toBeChecked();
  await expect(details.locator('input[name=timeframe]')).toHaveValue('2027-02-15');

  // A participant needs a role: the form says so and keeps the chosen contact.
  const participants = page.locator('#participants form.inline-form');
  await participants.locator('select[name=contact_id]').selectOption({ index: 1 });
  const contact = await participants.locator('select[name=contact_id]').inputValue();
  await participants.locator('button[type=submit]').click();
  await expect(page.locator('#participants .field-error')).toHaveText('Заполните это поле.');
  await expect(page.locator('#participants form.inline-form select[name=contact_id]')).toHaveValue(contact);
  await page.locator('#participants form.inline-form input[name=role]').fill('Проводит презентацию');
  await page.locator('#participants form.inline-form button[type=submit]').click();
  await expect(page.locator('#participants ul.lines li')).toContainText('Проводит презентацию');
  await page.locator('#competitors input[name=name]').fill('Альфа-Софт');
  await page.locator('#competitors input[name=note]').fill('Дешевле, но без процессов');
  await page.locator('#competitors form.inline-form button[type=submit]').click();
  await expect(page.locator('#competitors ul.lines li')).toContainText('Альфа-Софт — Дешевле, но без процессов');

  // Both mini-cards complete in place; the stage moves on without a reload.
  await h.markPage(page);
  await h.completeCard(page, QUALIFICATION[0]);
  await expect(page.locator('#current-stage')).toHaveText('Квалификация');
  await h.completeCard(page, QUALIFICATION[1]);
  await expect(page.locator('.workflow-bar li.current')).toHaveText('Презентация');
  await expect(page.locator('#current-stage')).toHaveText('Презентация');
  await expectCards(page, PRESENTATION);
  await h.expectSamePage(page);
  await expect(page).toHaveURL(new RegExp(`/opportunities/${id}`));
  await h.screenshot(page, 'opportunity-ru');
});

test('2. the process runs from the command line typed in Russian, and from an opportunity\'s Actions menu', async ({ page, request }) => {
  await h.signIn(page, h.people.manager);
  const command = page.locator('#command-input');
  await command.fill('запус');
  await expect(page.locator('#palette [role=option]').first()).toHaveText(/Запустить процесс/);
  await command.fill('  ЗАПУСТИТЬ   процесс  «корпоративная продажа» ');
  await command.press('Enter');
  await expect(page).toHaveURL(/\/opportunities\/[0-9a-f-]+\?started=1$/);
  await expect(page.locator('#start-hint')).toBeVisible();
  await expectCards(page, QUALIFICATION);

  // A command that is not known comes back beside the command line with suggestions.
  await command.fill('запустить процесс продажи яхт');
  await command.press('Enter');
  await expect(page.locator('#command-error')).toContainText('Команда не распознана, и ничего не найдено.');
  await expect(page.locator('ul.suggestions button').first()).toContainText('Корпоративная продажа');

  // An opportunity without a process, at Proposal: Actions → run, and Proposal's activities appear.
  const api = await h.apiAs(request, h.people.manager);
  const created = await api.post('/opportunities', { title: 'Поставка серверов для «Кама Фудс»', stage: 'proposal' });
  await page.goto(`/opportunities/${created.id}`);
  await expect(page.locator('#panel-note')).toHaveText('Процесс не запущен. Запустите его из меню «Действия».');
  await page.locator('#actions-menu > summary').click();
  await page.locator('#run-enterprise-process').click();
  await expect(page.locator('.workflow-bar li.current')).toHaveText('Коммерческое предложение');
  await expectCards(page, PROPOSAL);
});

test('3. clicking an earlier stage cancels the visit\'s mini-cards, shows them in history and creates the new ones', async ({ page }) => {
  await h.signIn(page, h.people.manager);
  await h.runFromSidePanel(page, 'Корпоративная продажа');
  await h.completeCard(page, QUALIFICATION[0]);
  await h.completeCard(page, QUALIFICATION[1]);
  await expectCards(page, PRESENTATION);

  await h.markPage(page);
  await page.locator('.workflow-bar button[data-stage=qualification]').click();
  // The confirmation says what the move will do before it is made.
  const preview = page.locator('#stage-move-dialog');
  await expect(preview.locator('#move-cancelled')).toContainText('Презентация');
  await expect(preview.locator('#move-created')).toContainText('заход 2');
  await h.screenshot(page, 'stage-move-preview-ru-1440');
  await h.confirmMove(page);
  await expect(page.locator('.workflow-bar li.current')).toHaveText('Квалификация');
  await expectCards(page, QUALIFICATION);
  await expect(h.miniCard(page, PRESENTATION[0])).toHaveCount(0);
  const history = page.locator('#history');
  await expect(history.locator('li', { hasText: 'Отменена активность' })).toContainText('Презентация');
  await expect(history.locator('li').filter({ hasText: 'Презентация → Квалификация' })).toContainText('заход 2');
  await h.expectSamePage(page);

  // Someone else moves the opportunity meanwhile: a click on the stale page says what happened.
  const other = await page.context().newPage();
  await other.goto(page.url());
  await other.locator('.workflow-bar button[data-stage=proposal]').click();
  await h.confirmMove(other);
  await expect(other.locator('.workflow-bar li.current')).toHaveText('Коммерческое предложение');
  await page.locator('.workflow-bar button[data-stage=contracting]').click();
  await expect(page.locator('#live-message')).toHaveText(
    'Пока вы смотрели, продажу изменил кто-то другой. Сейчас она на стадии «Коммерческое предложение». Проверьте и повторите.');
  await expect(page.locator('.workflow-bar li.current')).toHaveText('Коммерческое предложение');
  await expectCards(page, PROPOSAL);
  await other.close();

  // A final stage opens the close dialog; a wrong figure is shown beside its field, then it closes.
  await page.locator('.workflow-bar a[data-stage=closed_lost]').click();
  const dialog = page.locator('#close-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('#close-stage')).toHaveValue('closed_lost');
  await dialog.locator('input[name=hours_spent]').fill('-3');
  await dialog.locator('select[name=close_reason]').selectOption({ label: 'Выбрали конкурента' });
  await dialog.locator('#close-submit').click();
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('.field-error')).toHaveText('Введите число часов, ноль или больше.');
  await expect(dialog.locator('select[name=close_reason]')).toHaveValue('competitor');
  await dialog.locator('input[name=hours_spent]').fill('12,5');
  await dialog.locator('#close-submit').click();
  await expect(page.locator('.workflow-bar li.current')).toHaveText('Завершена с проигрышем');
  await expect(page.locator('#bar-locked')).toBeVisible();
  await expect(page.locator('.closing input[name=hours_spent]')).toHaveValue('12,5');
  await expect(page.locator('.closing select[name=close_reason] option:checked')).toHaveText('Выбрали конкурента');
  await expect(page.locator('#closing-missing')).toHaveCount(0);
  await expect(page.locator('.mini-card')).toHaveCount(0);
});

test('4. an opportunity walked to the end notifies the supervisor live, who opens it from the notification', async ({ page, browser }) => {
  const supervisorContext = await browser.newContext();
  const supervisor = await supervisorContext.newPage();
  await h.signIn(supervisor, h.people.supervisor);
  const counter = supervisor.locator('#unread-count');
  const before = Number(await counter.textContent());

  await h.signIn(page, h.people.manager);
  const id = await h.runFromSidePanel(page, 'Корпоративная продажа');
  await page.locator('#details input[name=title]').fill('Облачная телефония для «Нева Телеком»');
  await page.locator('#save-details').click();
  await expect(page.locator('.notice.ok')).toBeVisible();
  for (const stage of [QUALIFICATION, PRESENTATION, PROPOSAL, CONTRACTING]) {
    await expectCards(page, stage);
    for (const title of stage) await h.completeCard(page, title);
  }
  await expect(page.locator('#bar-locked')).toBeVisible();
  await expect(page.locator('#current-stage')).toHaveText('Завершена с победой');
  // Won by its last task rather than the close dialog: the page asks for the closing figures.
  await page.locator('#closing-missing a').click();
  const closing = page.locator('#closing');
  await closing.locator('input[name=hours_spent]').fill('много');
  await closing.locator('button[type=submit]').click();
  await expect(closing.locator('.field-error')).toHaveText('Введите число часов, ноль или больше.');
  await closing.locator('input[name=hours_spent]').fill('31,5');
  await closing.locator('button[type=submit]').click();
  await expect(page.locator('.notice.ok')).toBeVisible();
  await expect(closing.locator('input[name=hours_spent]')).toHaveValue('31,5');
  await expect(page.locator('#closing-missing')).toHaveCount(0);

  // The supervisor's page was open all along: the counter and the list change without a reload.
  await h.markPage(supervisor);
  await expect(counter).toHaveText(String(before + 1));
  await supervisor.locator('#notification-centre > summary').click();
  const item = supervisor.locator('#notification-list li').first();
  await expect(item).toContainText('Облачная телефония для «Нева Телеком»');
  await h.expectSamePage(supervisor);
  await h.screenshot(supervisor, 'notifications-ru');
  await item.locator('button').click();
  await expect(supervisor).toHaveURL(new RegExp(`/opportunities/${id}$`));
  await expect(supervisor.locator('#bar-locked')).toHaveText('Продажа закрыта: стадию больше нельзя изменить.');
  await expect(supervisor.locator('.workflow-bar button')).toHaveCount(0);
  await expect(supervisor.locator('.workflow-bar li.current')).toHaveText('Завершена с победой');
  await expect(supervisor.locator('#unread-count')).toHaveText(String(before), { useInnerText: true });
  await supervisorContext.close();

  // The won opportunity makes an order.
  await page.locator('#actions-menu > summary').click();
  await page.locator('#create-order').click();
  await expect(page.locator('.notice.ok')).toHaveText('Заказ создан.');
  await expect(page.locator('.orders li')).toHaveCount(1);
});

test('5. a lead moved to «Ожидание продажи» lands on its new opportunity with the process running', async ({ page, request }) => {
  const api = await h.apiAs(request, h.people.manager);
  const lead = await api.post('/leads', { title: 'Запрос на внедрение от «Дон Агро»', need: 'Учёт сделок по регионам', budget: '750000' });
  await h.signIn(page, h.people.manager);
  await page.goto('/leads');
  await page.getByRole('link', { name: 'Запрос на внедрение от «Дон Агро»' }).click();
  await expect(page).toHaveURL(new RegExp(`/leads/${lead.id}$`));
  await page.locator('.lead-bar button', { hasText: 'Ожидание продажи' }).click();
  await expect(page).toHaveURL(/\/opportunities\/[0-9a-f-]+$/);
  await expect(page.locator('#opportunity-title')).toHaveText('Запрос на внедрение от «Дон Агро»');
  await expect(page.locator('.action-panel h2')).toContainText('Корпоративная продажа');
  await expectCards(page, QUALIFICATION);
  await expect(page.locator('#details textarea[name=need]')).toHaveValue('Учёт сделок по регионам');
});

test('6. the schedule shows the day\'s activities with overdue ones marked, and the language switch changes every label', async ({ page, request }) => {
  const api = await h.apiAs(request, h.people.secondManager);
  // The manager reads her schedule on Moscow's calendar: 20:59Z is 23:59 there, still today.
  const moscowDay = (at) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow' }).format(at);
  const today = moscowDay(new Date());
  const yesterday = moscowDay(new Date(Date.now() - 86_400_000));
  await api.post('/activities', { type: 'call', title: 'Позвонить в «Урал Фарма»', due_at: `${today}T20:59:00Z` });
  await api.post('/activities', { type: 'meeting', title: 'Встреча в «Балтик Ритейл»', due_at: `${yesterday}T09:00:00Z` });

  await h.signIn(page, h.people.secondManager);
  await h.switchLanguage(page, 'ru');
  await page.locator('nav.side a[href="/schedule"]').click();
  const agenda = page.locator('.agenda li');
  await expect(agenda.filter({ hasText: 'Позвонить в «Урал Фарма»' })).toContainText('Не начата');
  await expect(agenda.filter({ hasText: 'Позвонить в «Урал Фарма»' })).not.toContainText('просрочена');
  await page.getByRole('link', { name: '← Назад' }).click();
  await expect(agenda.filter({ hasText: 'Встреча в «Балтик Ритейл»' })).toContainText('просрочена');
  await page.getByRole('link', { name: 'Неделя' }).click();
  await expect(page.locator('.days.week section.day')).toHaveCount(7);
  await page.getByRole('link', { name: 'Сегодня' }).click();
  await h.screenshot(page, 'schedule-ru');
  await h.expectOneLanguage(page, 'ru');

  await h.switchLanguage(page, 'en');
  await expect(page.locator('h1')).toHaveText('Schedule');
  await expect(page.locator('nav.side')).toContainText('Opportunities');
  await expect(page.locator('nav.side .run-process')).toHaveText('Run process');
  await expect(page.locator('#command-input')).toHaveAttribute('placeholder', 'Find a deal, a customer… or a command — Ctrl+K');
  await h.expectOneLanguage(page, 'en');
  await h.screenshot(page, 'schedule-en');
  await h.switchLanguage(page, 'ru');
  await expect(page.locator('h1')).toHaveText('Расписание');
});
