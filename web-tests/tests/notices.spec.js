// Notifications that matter (issue 15): the supervisor's won notice says who won what, for how
// much and why; nobody is told of their own clicks.
const { test, expect } = require('@playwright/test');
const h = require('./helpers');

test('the supervisor\'s won notice names the manager, the amount and the reason, live', async ({ page, browser, request }) => {
  await h.signIn(page, h.people.supervisor);
  const counter = page.locator('#unread-count');
  const before = Number(await counter.textContent());
  await h.markPage(page);

  const manager = await h.apiAs(request, h.people.manager);
  const own = await manager.get('/notifications');
  const deal = await manager.post('/opportunities', { title: `Серверная для «Волга Фудс» ${Date.now()}`, amount: '1250000.00', stage: 'contracting' });
  await manager.post(`/opportunities/${deal.id}/close`, { stage: 'closed_won', actual_revenue: '1300000.00', close_reason: 'best_offer' });
  // The manager acted, and is told nothing of it.
  expect((await manager.get('/notifications')).unread_count).toBe(own.unread_count);

  await expect(counter).toHaveText(String(before + 1));
  await page.locator('#notification-centre > summary').click();
  const item = page.locator('#notification-list li').first();
  await expect(item).toContainText(deal.title);
  await expect(item).toContainText('Менеджер: Алексей Петров');
  await expect(item).toContainText(/Сумма: 1\s300\s000,00\s₽/);
  await expect(item).toContainText('Причина: Лучшее предложение');
  await h.expectSamePage(page);
  await h.screenshot(page, 'won-notice-ru-1440');

  // In English, on a phone.
  const english = await (await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' })).newPage();
  await h.signIn(english, h.people.supervisor);
  await h.switchLanguage(english, 'en');
  await english.goto('/notifications');
  const line = english.locator('main li', { hasText: deal.title }).first();
  await expect(line).toContainText('Manager: Алексей Петров');
  await expect(line).toContainText(/Amount: 1,300,000\.00\s₽/);
  await expect(line).toContainText('Reason: Best offer');
  await h.screenshot(english, 'won-notice-en-390');
  await h.switchLanguage(english, 'ru');
});

test('a reminder arrives live before a meeting, and the profile chooses how early', async ({ page, request }) => {
  await h.signIn(page, h.people.manager);
  await page.goto('/profile');
  await expect(page.locator('#reminder-minutes')).toHaveValue('15');
  const counter = page.locator('#unread-count');
  const before = Number(await counter.textContent());
  await h.markPage(page);

  const manager = await h.apiAs(request, h.people.manager);
  const startsAt = new Date(Date.now() + 10 * 60 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const title = `Встреча с «Нева Телеком» ${Date.now()}`;
  await manager.post('/activities', { type: 'meeting', title, start_at: startsAt, duration_minutes: 30 });

  // Ten minutes ahead is within the manager's fifteen: the reminder comes without a reload.
  await expect(counter).toHaveText(String(before + 1), { timeout: 20_000 });
  await page.locator('#notification-centre > summary').click();
  const item = page.locator('#notification-list li').first();
  await expect(item).toContainText(`Напоминание: ${title}`);
  await expect(item).toContainText('Начало:');
  await h.expectSamePage(page);
  await h.screenshot(page, 'reminder-ru-1440');

  // The full list filters by kind as soon as one is chosen.
  await page.goto('/notifications');
  await page.locator('#notification-filters select[name=kind]').selectOption('activity_reminder');
  await expect(page).toHaveURL(/\/notifications\?show=&kind=activity_reminder$/);
  await expect(page.locator('main .notifications li').first()).toContainText(title);
  for (const text of await page.locator('main .notifications li strong').allTextContents()) expect(text).toMatch(/^Напоминание: /);
  await page.locator('#notification-filters select[name=show]').selectOption('unread');
  await expect(page).toHaveURL(/show=unread&kind=activity_reminder$/);
  await h.screenshot(page, 'notifications-filtered-ru-1440');

  // Reminders can be turned off.
  await page.goto('/profile');
  await page.locator('#reminder-minutes').selectOption('0');
  await page.locator('#profile button[type=submit]').click();
  await expect(page.locator('.notice.ok')).toBeVisible();
  await expect(page.locator('#reminder-minutes')).toHaveValue('0');
  await page.locator('#reminder-minutes').selectOption('15');
  await page.locator('#profile button[type=submit]').click();
  await expect(page.locator('#reminder-minutes')).toHaveValue('15');
});
