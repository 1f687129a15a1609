// Exit criteria (issue 16) as people meet them: a click on the workflow bar shows what the move
// will do and what the deal still needs, the action panel says what a finished stage waits on,
// and a supervisor moves the deal on anyway with a reason the timeline keeps — in both
// languages, on a desk and a phone.
const { test, expect } = require('@playwright/test');
const h = require('./helpers');

const barStage = (page, name) => page.locator('.workflow-bar button.stage', { hasText: name });

test('the bar names what is missing, a finished stage waits on it, and a supervisor overrides with a reason', async ({ page, request }) => {
  const started = Date.now();
  const api = await h.apiAs(request, h.people.manager);
  const { opportunity } = await api.post('/processes/enterprise-sale-guided/start', { via: 'side_panel' });
  await h.signIn(page, h.people.manager);
  await page.goto(`/opportunities/${opportunity.id}`);

  await barStage(page, 'Презентация').click();
  // The confirmation says what the deal still needs; a manager cannot move it on without it.
  const preview = page.locator('#stage-move-dialog');
  await expect(preview.locator('#move-unmet')).toContainText('Продажа перейдёт на стадию «Презентация», когда в ней будет:');
  await expect(preview.locator('#move-unmet li')).toHaveText(['Укажите сумму', 'Укажите лицо, принимающее решение', 'Опишите потребность клиента']);
  await expect(preview.locator('#move-created')).toContainText('Презентация');
  await expect(preview.locator('#move-not-allowed')).toBeVisible();
  await expect(preview.locator('#stage-move-submit')).toHaveCount(0);
  expect(await h.axeViolations(page)).toEqual([]);
  await h.screenshot(page, 'criteria-unmet-ru-1440');
  await page.keyboard.press('Escape');
  await expect(preview).toHaveCount(0);
  await expect(page.locator('#current-stage')).toContainText('Квалификация');

  // Both tasks done: the stage waits on the same three, and says so in the action panel.
  await h.completeCard(page, 'Связаться с клиентом, выяснить потребность, согласовать дату и время презентации');
  await h.completeCard(page, 'Подготовить презентацию');
  await expect(page.locator('#waiting-on li')).toHaveCount(3);
  await expect(page.locator('#waiting-on')).toContainText('Задачи стадии выполнены');
  await h.screenshot(page, 'criteria-waiting-ru-1440');

  // The supervisor moves it on anyway, with a reason.
  const context = await page.context().browser().newContext({ viewport: { width: 1440, height: 900 } });
  const boss = await context.newPage();
  await h.signIn(boss, h.people.supervisor);
  await boss.goto(`/opportunities/${opportunity.id}`);
  await barStage(boss, 'Презентация').click();
  const override = boss.locator('#stage-move-dialog');
  await expect(override.locator('#move-unmet li')).toHaveCount(3);
  await override.locator('textarea[name=override_reason]').fill('Клиент просит презентацию до конца недели');
  await h.screenshot(boss, 'criteria-override-ru-1440');
  await override.locator('#stage-move-submit').click();
  await expect(boss.locator('#current-stage')).toContainText('Презентация');
  const entry = boss.locator('#history li.stage').first();
  await expect(entry).toContainText('в обход условий стадии');
  await expect(entry).toContainText('Клиент просит презентацию до конца недели');
  expect(await h.axeViolations(boss)).toEqual([]);
  await h.screenshot(boss, 'criteria-overridden-ru-1440');

  // In English, and on a phone.
  await h.switchLanguage(boss, 'en');
  await boss.setViewportSize({ width: 390, height: 844 });
  await barStage(boss, 'Proposal').click();
  await expect(boss.locator('#stage-move-dialog #move-unmet')).toContainText('The opportunity can move to “Proposal” once it has:');
  await expect(boss.locator('#stage-move-dialog #move-unmet li')).toContainText(['Pick a presentation from the knowledge base']);
  expect(await boss.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBeTruthy();
  const box = await boss.locator('#stage-move-dialog').boundingBox();
  expect(box.x >= 0 && box.x + box.width <= 390, 'the dialog fits the phone').toBeTruthy();
  await h.expectOneLanguage(boss, 'en');
  await h.screenshot(boss, 'criteria-unmet-en-390');
  await boss.keyboard.press('Escape');
  await h.switchLanguage(boss, 'ru');

  // Closing won leaves every checkpoint behind: refused with what is missing, then closed with a reason.
  await boss.setViewportSize({ width: 1440, height: 900 });
  await boss.locator('.workflow-bar a[data-stage=closed_won]').click();
  const dialog = boss.locator('#close-dialog');
  await dialog.locator('#close-submit').click();
  await expect(boss.locator('#close-dialog .field-error')).toContainText('Прежде чем продажа пойдёт дальше');
  await boss.locator('#close-dialog textarea[name=override_reason]').fill('Договор подписан на бумаге');
  await boss.locator('#close-dialog #close-submit').click();
  await expect(boss.locator('#current-stage')).toContainText('Завершена с победой');
  await expect(boss.locator('#history li.stage').first()).toContainText('Договор подписан на бумаге');
  await context.close();
  console.log(`exit criteria journey: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

test('the library shows each stage\'s checkpoint in the list and on the diagram', async ({ page }) => {
  await h.signIn(page, h.people.manager);
  await page.goto('/processes/enterprise-sale-guided');
  await expect(page.locator('.process-stage').first().locator('ul.criteria li')).toHaveText([
    'Укажите сумму',
    'Укажите лицо, принимающее решение',
    'Опишите потребность клиента',
  ]);
  await expect(page.locator('svg.diagram g.checkpoint')).toHaveCount(4);
  expect(await h.axeViolations(page)).toEqual([]);
  await h.screenshot(page, 'library-checkpoints-ru-1440');
});
