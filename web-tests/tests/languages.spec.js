// Both languages complete: every page, in Russian and in English, carries no word of the other.
const { test, expect } = require('@playwright/test');
const h = require('./helpers');

test('every page reads in one language, Russian and English alike', async ({ page, request }) => {
  const api = await h.apiAs(request, h.people.englishManager);
  const lead = await api.post('/leads', { title: 'Lead for the language check' });
  await h.signIn(page, h.people.englishManager);
  const opportunity = await h.runFromSidePanel(page, 'Enterprise sale');
  const activities = await api.get(`/activities?opportunity_id=${opportunity}`);
  const pages = [
    '/opportunities', '/opportunities?status=open', '/board', `/opportunities/${opportunity}`, `/opportunities/${opportunity}?close=closed_lost`,
    `/activities/${activities.items[0].id}`, '/schedule', '/schedule?view=week', '/leads', `/leads/${lead.id}`, '/notifications', '/run',
    '/opportunities/no-such-record',
  ];
  for (const locale of ['en', 'ru']) {
    await page.goto('/opportunities');
    await h.switchLanguage(page, locale);
    for (const path of pages) {
      await page.goto(path);
      await h.expectOneLanguage(page, locale);
    }
    if (locale === 'en') {
      await page.goto(`/opportunities/${opportunity}?started=1`);
      await h.screenshot(page, 'opportunity-en');
      await page.locator('#notification-centre > summary').click();
      await h.screenshot(page, 'notifications-en');
    }
  }
  await page.goto('/opportunities');
  await h.switchLanguage(page, 'en');

  // Signed out, the sign-in page follows the language asked for.
  const origin = new URL(page.url()).origin;
  const guest = await page.context().browser().newPage();
  for (const locale of ['ru', 'en']) {
    await guest.goto(`${origin}/login?lang=${locale}`);
    await expect(guest.locator('html')).toHaveAttribute('lang', locale);
    await h.expectOneLanguage(guest, locale);
  }
  await guest.close();
});

test('the supervisors\' and administrators\' pages read in one language too', async ({ page }) => {
  await page.goto('/login');
  await page.locator('input[name=email]').fill('admin@localhost');
  await page.locator('input[name=password]').fill('admin-password-for-tests');
  await page.locator('form[action="/login"] button[type=submit]').click();
  await expect(page).toHaveURL(/\/opportunities$/);
  await page.goto('/knowledge');
  const article = await page.locator('#article-list a').first().getAttribute('href');
  await page.goto('/admin/users');
  const user = await page.locator('#user-list a').first().getAttribute('href');
  const pages = [
    '/analytics', '/analytics?from=2026-01-01&to=2025-01-01', '/processes', '/processes/enterprise-sale', '/processes/enterprise-sale?version=1',
    '/processes/enterprise-sale/diff?from=1&to=1', '/processes/enterprise-sale/upload', '/knowledge', article, '/admin/users', user,
    '/admin/stages', '/admin/stages/new', '/admin/stages/proposal', '/admin/lookups', '/admin/settings',
  ];
  for (const locale of ['en', 'ru']) {
    await page.goto('/processes');
    await h.switchLanguage(page, locale);
    for (const path of pages) {
      await page.goto(path);
      await h.expectOneLanguage(page, locale);
    }
  }
});
