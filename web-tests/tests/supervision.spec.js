// Lists sorted by a click on a column and the supervisor's view (issue 15): the team's week with
// whose each line is, the team side by side and the monthly trend, in both languages, on a desk
// and on a phone.
const { test, expect } = require('@playwright/test');
const h = require('./helpers');

const titles = (page) => page.locator('#opportunity-list tbody td:first-child a').allTextContents();
const amounts = (page) => page.locator('#opportunity-list tbody td[data-label="Сумма"]').allTextContents();
const money = (text) => Number(text.replace(/[^\d,]/g, '').replace(',', '.')) || 0;

test('a supervisor sorts the team\'s deals by a click, opens the whole team\'s week and compares the team', async ({ page }) => {
  const started = Date.now();
  await h.signIn(page, h.people.supervisor);
  await page.goto('/opportunities');
  await page.locator('#opportunity-list thead a', { hasText: 'Сумма' }).click();
  await expect(page).toHaveURL(/sort=amount&dir=asc/);
  await expect(page.locator('#opportunity-list th[aria-sort=ascending]')).toContainText('Сумма');
  let shown = (await amounts(page)).filter((a) => a.trim() !== '').map(money);
  expect(shown).toEqual([...shown].sort((a, b) => a - b));
  await page.locator('#opportunity-list thead a', { hasText: 'Сумма' }).click();
  await expect(page.locator('#opportunity-list th[aria-sort=descending]')).toContainText('Сумма');
  shown = (await amounts(page)).filter((a) => a.trim() !== '').map(money);
  expect(shown).toEqual([...shown].sort((a, b) => b - a));
  expect(shown.length).toBeGreaterThan(3);
  // A filter keeps the order.
  await page.locator('select[name=status]').selectOption('open');
  await expect(page).toHaveURL(/status=open.*sort=amount&dir=desc|sort=amount&dir=desc.*status=open/);
  expect((await titles(page)).length).toBeGreaterThan(0);
  await h.screenshot(page, 'sorted-list-ru-1440');

  // The whole team's week: several people's activities, each line naming whose it is.
  await page.goto('/schedule?view=week');
  await page.locator('select[name=who]').selectOption({ label: 'Вся команда' });
  await expect(page).toHaveURL(/who=team/);
  const owners = await page.locator('.agenda .owner').allTextContents();
  expect(new Set(owners).size).toBeGreaterThan(1);
  expect(await h.axeViolations(page)).toEqual([]);
  await h.screenshot(page, 'team-week-ru-1440');

  // The team side by side and the trend, for this year with one click.
  await page.goto('/analytics');
  await page.getByRole('link', { name: 'Этот год' }).click();
  await expect(page.getByRole('link', { name: 'Этот год' })).toHaveAttribute('aria-current', 'true');
  await expect(page.locator('#comparison tbody tr')).toHaveCount(4);
  await expect(page.locator('#trend svg[role=img] g.month')).toHaveCount(12);
  expect(await h.axeViolations(page)).toEqual([]);
  await h.screenshot(page, 'team-analytics-ru-1440');
  await h.switchLanguage(page, 'en');
  await expect(page.locator('#comparison')).toContainText('Average sales cycle');
  await h.expectOneLanguage(page, 'en');
  await h.screenshot(page, 'team-analytics-en-1440');
  await h.switchLanguage(page, 'ru');

  // On a phone: the sort links above the cards, the week and the comparison as cards, nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ['/opportunities?sort=next', '/schedule?view=week&who=team', '/analytics']) {
    await page.goto(path);
    const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    expect(scrollWidth, path).toBeLessThanOrEqual(innerWidth);
  }
  await page.goto('/opportunities?sort=next');
  await expect(page.locator('#opportunity-list thead a', { hasText: 'Следующее дело' })).toBeVisible();
  await h.screenshot(page, 'sorted-list-ru-390');
  console.log(`supervisor's view journey: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

test('on a phone a manager walks list → opportunity → completes a mini-card → schedule, never scrolling sideways', async ({ browser, request }) => {
  const started = Date.now();
  const api = await h.apiAs(request, h.people.manager);
  const run = await api.post('/processes/enterprise-sale/start', {});
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ru-RU' })).newPage();
  const fits = async (what) => {
    const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    expect(scrollWidth, `${what} is wider than the phone's screen`).toBeLessThanOrEqual(innerWidth);
  };
  await h.signIn(page, h.people.manager);
  await fits('the list');
  await page.locator(`#opportunity-list a[href="/opportunities/${run.opportunity.id}"]`).click();
  await expect(page.locator('.workflow-bar li.current')).toHaveText('Квалификация');
  await fits('the opportunity');
  const card = page.locator('.mini-card').first();
  const cardTitle = await card.getByRole('heading').textContent();
  // A mini-card fills the phone's width.
  const [cardWidth, mainWidth] = await page.evaluate(() => [document.querySelector('.mini-card').getBoundingClientRect().width, document.querySelector('main').clientWidth]);
  expect(cardWidth).toBeGreaterThan(mainWidth * 0.85);
  await h.completeCard(page, cardTitle.trim());
  await fits('the opportunity after a completed mini-card');
  await h.screenshot(page, 'phone-walk-opportunity-ru-390');
  await page.locator('#nav-toggle').click();
  await page.locator('nav.side a[href^="/schedule"]').click();
  await expect(page.locator('h1')).toHaveText('Расписание');
  await fits('the schedule');
  expect(await h.axeViolations(page)).toEqual([]);
  await h.screenshot(page, 'phone-walk-schedule-ru-390');
  console.log(`phone walk journey: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
