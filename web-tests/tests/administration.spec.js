// Supervisors and administrators (issue 5): users, the process library with a new version
// published and compared, and the won/lost analytics checked against figures worked out by hand.
const fs = require('node:fs');
const { test, expect } = require('@playwright/test');
const h = require('./helpers');

const SUPERVISOR = { email: 'olga.smirnova@test.local', name: 'Ольга Смирнова' };
const MANAGER = { email: 'pavel.orlov@test.local', name: 'Павел Орлов' };
const NEW_STEP_TITLE = 'Отправить материалы после презентации';
const NEW_STEP = `[[stages.steps]]
code = "send_materials"
type = "email"
due = "P1D"
title = { ru = "${NEW_STEP_TITLE}", en = "Send the materials after the presentation" }
results = [{ code = "done", name = { ru = "Выполнено", en = "Done" }, effect = "advance" }]

`;


/// The document with one more step at the end of its second stage (Presentation).
function withNewStep(document) {
  const stages = document.split('[[stages]]\n');
  stages[2] += NEW_STEP;
  return stages.join('[[stages]]\n');
}

/// Completes every open activity of an opportunity through the API; answers how many there were.
async function completeOpen(api, opportunityId) {
  const open = (await api.get(`/activities?opportunity_id=${opportunityId}`)).items.filter((a) => a.status === 'not_started');
  for (const activity of open) await api.post(`/activities/${activity.id}/complete`, {});
  return open.length;
}

test('1. an administrator adds a supervisor and a manager of her team from the users page', async ({ page }) => {
  await h.signInAdmin(page);
  await page.locator('nav.side').getByRole('link', { name: 'Пользователи' }).click();
  const form = page.locator('#new-user');
  // A short password is refused beside its field, with what was typed kept.
  await form.locator('input[name=email]').fill(SUPERVISOR.email);
  await form.locator('input[name=name]').fill(SUPERVISOR.name);
  await form.locator('select[name=role]').selectOption('supervisor');
  await form.locator('input[name=password]').fill('short');
  await form.locator('button[type=submit]').click();
  await expect(form.locator('input[name=password] ~ .field-error')).toHaveText('Слишком коротко: не меньше 8 символов.');
  await expect(form.locator('input[name=name]')).toHaveValue(SUPERVISOR.name);
  await form.locator('input[name=password]').fill('demo-password');
  await form.locator('button[type=submit]').click();
  await expect(page.locator('#user-list')).toContainText(SUPERVISOR.name);

  await form.locator('input[name=email]').fill(MANAGER.email);
  await form.locator('input[name=name]').fill(MANAGER.name);
  await form.locator('select[name=supervisor_id]').selectOption({ label: SUPERVISOR.name });
  await form.locator('input[name=password]').fill('demo-password');
  await form.locator('button[type=submit]').click();
  await expect(page.locator('#user-list tr', { hasText: MANAGER.name })).toContainText(SUPERVISOR.name);
});

test('2. a new version adds a step to Presentation: only processes started afterwards get it', async ({ page, request }) => {
  const manager = await h.apiAs(request, h.people.secondManager);
  const earlier = await manager.post('/processes/enterprise-sale/start', {});

  await h.signInAdmin(page);
  await page.locator('nav.side').getByRole('link', { name: 'Библиотека процессов' }).click();
  await page.getByRole('link', { name: 'Корпоративная продажа', exact: true }).click();
  await expect(page.locator('svg.diagram')).toBeVisible();
  await expect(page.locator('svg.diagram .node.stage')).toHaveCount(4);
  await page.getByRole('link', { name: 'Загрузить новую версию' }).click();
  const document = page.locator('textarea[name=document]');
  const original = await document.inputValue();

  // A broken document: every problem with its line, nothing published.
  await document.fill(original.replace('next = "presentation"', 'next = "nowhere"').replace('due = "P3D"', 'due = "P1Y"'));
  await page.getByRole('button', { name: 'Опубликовать' }).click();
  const problems = page.locator('#problems');
  await expect(problems).toContainText('Ничего не опубликовано.');
  await expect(problems.locator('li', { hasText: 'stages[0].next' })).toContainText('«nowhere» нет в справочнике стадий продаж');
  await expect(problems.locator('li', { hasText: 'stages[0].next' })).toContainText(/Строка \d+/);
  await expect(problems.locator('li', { hasText: 'stages[0].steps[1].due' })).toContainText('длительностью ISO 8601');
  await page.goto('/processes/enterprise-sale');
  await expect(page.locator('#versions tbody tr')).toHaveCount(1);

  // The document with the new step: checked, shown as a difference, then published.
  await page.goto('/processes/enterprise-sale/upload');
  await document.fill(withNewStep(original));
  await page.getByRole('button', { name: 'Проверить' }).click();
  await expect(page.locator('#checked')).toBeVisible();
  await expect(page.locator('.diff li.Added')).toContainText(NEW_STEP_TITLE);
  await page.getByRole('button', { name: 'Опубликовать' }).click();
  await expect(page).toHaveURL(/\/processes\/enterprise-sale\?published=2$/);
  await expect(page.locator('h1')).toContainText('Версия 2');
  await expect(page.locator('li[data-step=send_materials]')).toContainText(NEW_STEP_TITLE);
  await expect(page.locator('svg.diagram .node.step title', { hasText: NEW_STEP_TITLE })).toHaveCount(1);
  await expect(page.locator('#versions tbody tr')).toHaveCount(2);
  await h.screenshot(page, 'process-library-ru');
  await h.switchLanguage(page, 'en');
  await expect(page.locator('li[data-step=send_materials]')).toContainText('Send the materials after the presentation');
  await h.screenshot(page, 'process-library-en');
  await h.switchLanguage(page, 'ru');

  // The side-by-side difference shows the added step on the right only.
  await page.getByRole('link', { name: 'Сравнить с предыдущей' }).click();
  await expect(page).toHaveURL(/diff\?from=1&to=2$/);
  await expect(page.locator('.diff li.Added')).toHaveText(new RegExp(NEW_STEP_TITLE));
  await expect(page.locator('.diff tr', { hasText: 'Презентация' }).locator('td').first()).not.toContainText(NEW_STEP_TITLE);

  // The process started before keeps version 1; one started now runs version 2.
  const later = await manager.post('/processes/enterprise-sale/start', {});
  expect(later.instance.process_version).toBe(2);
  expect(await completeOpen(manager, earlier.opportunity.id)).toBe(2);
  expect(await completeOpen(manager, later.opportunity.id)).toBe(2);
  await h.signIn(page, h.people.secondManager);
  await page.goto(`/opportunities/${earlier.opportunity.id}`);
  await expect(page.locator('.mini-card h3')).toHaveText(['Презентация']);
  await page.goto(`/opportunities/${later.opportunity.id}`);
  await expect(page.locator('.mini-card h3')).toHaveText(['Презентация', NEW_STEP_TITLE]);

  // Back to the shipped steps for the other tests: publishing the old document again.
  await h.signInAdmin(page);
  await page.goto('/processes/enterprise-sale/upload');
  await document.fill(original);
  await page.getByRole('button', { name: 'Опубликовать' }).click();
  await expect(page).toHaveURL(/published=3$/);
});

test('3. a supervisor reads her team\'s won/lost analytics, as worked out by hand, and downloads them', async ({ page, request }) => {
  const pavel = await h.apiAs(request, MANAGER.email);
  const create = (title, amount, extra = {}) => pavel.post('/opportunities', { title, amount, ...extra });
  const won = await create('Сделка А', '100000');
  await pavel.post(`/opportunities/${won.id}/close`, { stage: 'closed_won', actual_revenue: '120000', hours_spent: 10 });
  const lostOnPrice = await create('Сделка Б', '50000');
  await pavel.post(`/opportunities/${lostOnPrice.id}/close`, { stage: 'closed_lost', hours_spent: 4, close_reason: 'price' });
  const lostToCompetitor = await create('Сделка В', '30000');
  await pavel.post(`/opportunities/${lostToCompetitor.id}/close`, { stage: 'closed_lost', hours_spent: 2.5, close_reason: 'competitor' });
  await create('Сделка Г', '200000');
  await create('Сделка Д', '80000', { stage: 'proposal', probability: 50 });

  await h.signIn(page, SUPERVISOR.email);
  await page.locator('nav.side').getByRole('link', { name: 'Аналитика' }).click();
  // By hand: won 1 (120 000), lost 2, win rate 1/3; 16.5 hours; open: 200 000 + 80 000, weighted
  // 10 % of 200 000 (Qualification's highest probability) + 50 % of 80 000 = 60 000.
  const headline = (label) => page.locator('.headlines li', { hasText: label }).locator('strong');
  await expect(headline('Выиграно')).toHaveText('1');
  await expect(page.locator('.headlines li', { hasText: 'Выиграно' })).toContainText('120 000,00 ₽');
  await expect(headline('Проиграно')).toHaveText('2');
  await expect(headline('Доля выигранных')).toHaveText('33,3 %');
  await expect(headline('Затрачено часов')).toHaveText('16,5');
  await expect(headline('Открытые продажи')).toHaveText('2');
  await expect(page.locator('.headlines li', { hasText: 'Открытые продажи' })).toContainText('280 000,00 ₽ · с учётом вероятности 60 000,00 ₽');

  // The charts: each an image with a title, numbers beside the bars and on hover.
  for (const id of ['won-lost', 'funnel', 'conversion', 'days-in-stage', 'lost-reasons']) {
    await expect(page.locator(`#${id} svg[role=img] > title`)).not.toBeEmpty();
  }
  await expect(page.locator('#won-lost .bar.won title')).toHaveText('Выиграно: 1 · 120 000,00 ₽');
  await expect(page.locator('#funnel .bar text.value')).toHaveText(['1 · 200 000,00 ₽', '0 · 0,00 ₽', '1 · 80 000,00 ₽', '0 · 0,00 ₽']);
  // All five entered Qualification; the won one (closed from there) passed every stage, Д starts at Proposal.
  await expect(page.locator('#conversion .bar text.value')).toHaveText(['40,0 % (2 из 5)', '100,0 % (2 из 2)', '50,0 % (1 из 2)', '100,0 % (1 из 1)']);
  await expect(page.locator('#lost-reasons .bar text.label')).toHaveText(['Выбрали конкурента', 'Не устроила цена']);
  const row = (label) => page.locator('#figures tr', { has: page.locator('td:nth-child(2)', { hasText: new RegExp(`^${label}$`) }) }).locator('td.num');
  await expect(row('Сумма с учётом вероятности')).toHaveText('60 000,00 ₽');
  await expect(row('Квалификация → Презентация')).toHaveText('40,0 % (2 из 5)');

  // The same for the one manager chosen, and the table as CSV.
  await page.locator('select[name=owner_id]').selectOption({ label: MANAGER.name });
  await page.getByRole('button', { name: 'Показать' }).click();
  await expect(headline('Выиграно')).toHaveText('1');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Скачать CSV' }).click()]);
  const csv = fs.readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '').split('\r\n');
  expect(csv[0]).toBe('Раздел,Показатель,Значение');
  for (const line of [
    'Итоги,Выиграно,1', 'Итоги,Фактическая выручка,120000.00', 'Итоги,Проиграно,2', 'Итоги,Доля выигранных,0.3333',
    'Итоги,Сумма открытых продаж,280000.00', 'Итоги,Сумма с учётом вероятности,60000.00',
    'Причины проигрыша,Не устроила цена,1', 'Причины проигрыша,Выбрали конкурента,1',
  ]) {
    expect(csv).toContain(line);
  }
  await h.screenshot(page, 'analytics-ru');
  await h.switchLanguage(page, 'en');
  await expect(page.locator('h1')).toHaveText('Analytics');
  await expect(headline('Win rate')).toHaveText('33.3 %');
  await h.screenshot(page, 'analytics-en');
  await h.switchLanguage(page, 'ru');

  // A deactivated user's token stops working at once.
  await h.signInAdmin(page);
  await page.goto('/admin/users');
  await page.getByRole('link', { name: MANAGER.name }).click();
  await page.locator('#edit-user input[name=active]').uncheck();
  await page.locator('#edit-user button[type=submit]').click();
  await expect(page.locator('.notice.ok')).toBeVisible();
  const me = await request.get('/api/v1/me', { headers: pavel.headers });
  expect(me.status()).toBe(401);
});

test('4. a manager writes a knowledge-base article and picks it as an opportunity\'s presentation', async ({ page }) => {
  await h.signIn(page, h.people.manager);
  await page.locator('nav.side').getByRole('link', { name: 'База знаний' }).click();
  const form = page.locator('#article-form');
  await form.locator('button[type=submit]').click();
  await expect(form.locator('input[name=title] ~ .field-error')).toHaveText('Заполните это поле.');
  await form.locator('input[name=title]').fill('Презентация для ритейла');
  await form.locator('textarea[name=body]').fill('Кейсы сетей магазинов.\n\nЦены и сроки внедрения.');
  await form.locator('input[name=tags]').fill('презентация, ритейл');
  await form.locator('button[type=submit]').click();
  await expect(page.locator('article.knowledge h1')).toHaveText('Презентация для ритейла');
  await expect(page.locator('article.knowledge > p:not(.tags)')).toHaveText(['Кейсы сетей магазинов.', 'Цены и сроки внедрения.']);
  await expect(page.locator('article.knowledge .tags span')).toHaveText(['презентация', 'ритейл']);
  await page.goto('/knowledge?q=РИТЕЙЛ');
  await expect(page.locator('#article-list a')).toHaveText(['Презентация для ритейла']);

  const id = await h.runFromSidePanel(page, 'Корпоративная продажа');
  await page.locator('#details select[name=presentation_id]').selectOption({ label: 'Презентация для ритейла' });
  await page.locator('#save-details').click();
  await expect(page.locator('.notice.ok')).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/opportunities/${id}`));
  await page.locator('#presentation-link').click();
  await expect(page.locator('article.knowledge h1')).toHaveText('Презентация для ритейла');
});
