// The board you can work on (issue 15): cards dragged to another stage, a stale card refused with
// the conflict message, a supervisor narrowing the board to one manager, on a desk and a phone.
const { test, expect } = require('@playwright/test');
const h = require('./helpers');

const card = (page, id) => page.locator(`li.deal[data-id="${id}"]`);
const column = (page, stage) => page.locator(`section.column[data-stage="${stage}"]`);

test('a card dragged from Presentation to Proposal moves the deal; a stale drag gets the conflict message', async ({ page, request }) => {
  const started = Date.now();
  const api = await h.apiAs(request, h.people.manager);
  const deal = await api.post('/opportunities', { title: `Стойки для «Ока Агро» ${Date.now()}`, stage: 'presentation', amount: '480000.00' });
  await h.signIn(page, h.people.manager);
  await page.goto('/board');
  await expect(column(page, 'presentation').locator(`li.deal[data-id="${deal.id}"]`)).toBeVisible();
  await h.screenshot(page, 'board-before-drag-ru-1440');
  await card(page, deal.id).dragTo(column(page, 'proposal'));
  // The drop asks first, saying what the move will do.
  await expect(page.locator('#stage-move-dialog h1')).toContainText('Коммерческое предложение');
  await h.screenshot(page, 'board-drag-preview-ru-1440');
  await h.confirmMove(page);
  await expect(page).toHaveURL(/\/board$/);
  await expect(column(page, 'proposal').locator(`li.deal[data-id="${deal.id}"]`)).toBeVisible();
  expect((await api.get(`/opportunities/${deal.id}`)).stage).toBe('proposal');

  // Someone moves it meanwhile; the board still shows the card as it was.
  await api.post(`/opportunities/${deal.id}/stage`, { stage: 'contracting' });
  await card(page, deal.id).dragTo(column(page, 'qualification'));
  await expect(page.locator('#board-message')).toContainText('Контрактация');
  expect((await api.get(`/opportunities/${deal.id}`)).stage).toBe('contracting');
  await h.screenshot(page, 'board-conflict-ru-1440');
  expect(await h.axeViolations(page)).toEqual([]);

  // The keyboard's way: the card's own stage choice.
  await page.goto('/board');
  const form = card(page, deal.id).locator('form.move');
  await form.locator('select').selectOption('proposal');
  await form.locator('select').press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.locator('#stage-move-submit')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(column(page, 'proposal').locator(`li.deal[data-id="${deal.id}"]`)).toBeVisible();
  // A final stage opens the deal's close dialog.
  await card(page, deal.id).dragTo(column(page, 'closed_won'));
  await expect(page).toHaveURL(new RegExp(`/opportunities/${deal.id}\\?close=closed_won`));
  await expect(page.locator('#close-dialog')).toBeVisible();
  console.log(`board drag journey: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

test('a supervisor narrows the board to one manager; open, won and lost are counted apart; phone and English', async ({ browser }) => {
  for (const [width, height, locale] of [[1440, 900, 'ru'], [390, 844, 'en']]) {
    const page = await (await browser.newContext({ viewport: { width, height } })).newPage();
    await h.signIn(page, h.people.supervisor);
    if (locale === 'en') await h.switchLanguage(page, 'en');
    await page.goto('/board');
    const totals = page.locator('#board-totals');
    await expect(totals).toContainText(locale === 'ru' ? 'В работе:' : 'Open:');
    await page.locator('#board-filters select[name=owner]').selectOption({ label: 'Мария Иванова' });
    await expect(page).toHaveURL(/\/board\?owner=/);
    for (const owner of await page.locator('li.deal .card-owner').allTextContents()) expect(owner).toBe('Мария Иванова');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBeTruthy();
    await h.expectOneLanguage(page, locale);
    expect(await h.axeViolations(page)).toEqual([]);
    await h.screenshot(page, `board-one-manager-${locale}-${width}`);
    if (locale === 'en') await h.switchLanguage(page, 'ru');
  }
});
