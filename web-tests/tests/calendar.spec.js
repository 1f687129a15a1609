// The calendar feed and the exports as a team meets them: a supervisor makes a secret address of
// the team's activities on the profile, copies it, and a calendar program reading it gets the
// team's events; a new visit does not show the address again, and turning it off ends it. The
// schedule and the lead list download what they show as CSV. In both languages and on a phone.
const fs = require('node:fs');
const { test, expect } = require('@playwright/test');
const h = require('./helpers');

test('a supervisor subscribes a calendar to the team, and turns it off', async ({ page, context, request }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const manager = await h.apiAs(request, h.people.manager);
  const title = `Встреча на складе ${Date.now()}`;
  const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
  tomorrow.setUTCHours(7, 0, 0, 0);
  await manager.post('/activities', { type: 'meeting', title, start_at: tomorrow.toISOString(), duration_minutes: 60 });

  await h.signIn(page, h.people.supervisor);
  await page.goto('/profile');
  const section = page.locator('#calendar-feed');
  await expect(section.locator('h2')).toHaveText('Календарь');
  await expect(section.locator('#calendar-state')).toHaveText('Адреса календаря пока нет.');
  await section.getByLabel('Что показывать', { exact: true }).selectOption({ label: 'дела моей команды' });
  await section.getByRole('button', { name: 'Создать адрес', exact: true }).click();
  const address = section.locator('#calendar-address');
  await expect(address).toHaveValue(/^http:\/\/127\.0\.0\.1:\d+\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
  await section.getByRole('button', { name: 'Скопировать', exact: true }).click();
  await expect(section.getByRole('button', { name: 'Скопировано', exact: true })).toBeVisible();
  const url = await address.inputValue();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
  expect(await h.axeViolations(page)).toEqual([]);
  await h.expectOneLanguage(page, 'ru');
  await h.screenshot(page, 'calendar-address-ru');

  // What a calendar program fetches: the team's events, the manager's meeting among them.
  const feed = await request.get(url);
  expect(feed.status()).toBe(200);
  expect(feed.headers()['content-type']).toBe('text/calendar; charset=utf-8');
  const text = (await feed.text()).replace(/\r\n /g, '');
  expect(text).toContain(`SUMMARY:Встреча: ${title} — Алексей Петров`);
  expect(text).toContain('X-WR-CALNAME:dealflow: дела команды — Ирина Соколова');

  await page.goto('/profile');
  await expect(section.locator('#calendar-address')).toHaveCount(0);
  await expect(section.locator('#calendar-state')).toContainText('в нём дела моей команды');
  await h.switchLanguage(page, 'en');
  await expect(section.locator('h2')).toHaveText('Calendar feed');
  await h.expectOneLanguage(page, 'en');
  await section.getByRole('button', { name: 'Turn the address off', exact: true }).click();
  await expect(section.getByRole('status')).toHaveText('The calendar address is off: calendars get nothing from it any more.');
  await expect(section.locator('#calendar-state')).toHaveText('You have no calendar address yet.');
  await h.screenshot(page, 'calendar-off-en');
  expect((await request.get(url)).status()).toBe(404);
  await h.switchLanguage(page, 'ru');
});

test('on a phone a manager makes an address of their own activities', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await h.signIn(page, h.people.manager);
  await page.goto('/profile');
  const section = page.locator('#calendar-feed');
  await expect(section.getByLabel('Что показывать', { exact: true })).toHaveCount(0);
  await section.getByRole('button', { name: 'Создать адрес', exact: true }).click();
  await expect(section.locator('#calendar-address')).toBeVisible();
  const box = await section.locator('#calendar-address').boundingBox();
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await h.screenshot(page, 'calendar-address-phone-ru');
  await section.getByRole('button', { name: 'Отключить адрес', exact: true }).click();
  await expect(section.locator('#calendar-state')).toHaveText('Адреса календаря пока нет.');
});

test('the schedule and the lead list download what they show', async ({ page }) => {
  await h.signIn(page, h.people.manager);
  await page.goto('/schedule?view=week');
  const [schedule] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Скачать CSV', exact: true }).click()]);
  expect(schedule.suggestedFilename()).toMatch(/^dealflow-schedule-\d{4}-\d{2}-\d{2}\.csv$/);
  const rows = fs.readFileSync(await schedule.path(), 'utf8');
  expect(rows.startsWith('\ufeffВремя,Тип,Название,Состояние,Продажа,Ответственный\r\n')).toBeTruthy();
  await page.goto('/leads');
  const [leads] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Скачать CSV', exact: true }).click()]);
  const lines = fs.readFileSync(await leads.path(), 'utf8').split('\r\n').filter(Boolean);
  expect(lines[0]).toBe('\ufeffНазвание,Стадия,Ответственный,Бюджет,Потребность,Создан');
  expect(lines.length).toBeGreaterThan(1);
});
