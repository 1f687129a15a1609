// The forms that show typed field problems, refused the way a person would see them, checked by
// axe-core in both languages on a desktop and a phone: no violations, one language per page.
const { test, expect } = require('@playwright/test');
const h = require('./helpers');

const ADMIN = { email: 'admin@localhost', password: 'admin-password-for-tests' };
const SIZES = [{ name: 'desktop', width: 1440, height: 900 }, { name: 'phone', width: 390, height: 844 }];

/// The administrator, signed in on a screen of `size`, reading `locale`.
async function signInAsAdmin(page, size, locale) {
  await page.setViewportSize({ width: size.width, height: size.height });
  await page.goto('/login');
  await page.locator('input[name=email]').fill(ADMIN.email);
  await page.locator('input[name=password]').fill(ADMIN.password);
  await page.locator('form[action="/login"] button[type=submit]').click();
  await expect(page).toHaveURL(/\/opportunities$/);
  await h.switchLanguage(page, locale);
}

async function check(page, locale, name) {
  expect(await h.axeViolations(page), `axe on ${page.url()}`).toEqual([]);
  await h.expectOneLanguage(page, locale);
  await h.screenshot(page, name);
}

for (const size of SIZES) {
  for (const locale of ['ru', 'en']) {
    test(`refused forms read beside their fields with no axe violations (${locale}, ${size.name})`, async ({ page }) => {
      await signInAsAdmin(page, size, locale);
      try {
        const tag = `${locale}-${size.name}`;

        // A new user with an address that is not one.
        await page.goto('/admin/users');
        const create = page.locator('#new-user');
        await create.locator('input[name=email]').fill('not-an-address');
        await create.locator('input[name=name]').fill('Someone');
        await create.locator('input[name=password]').fill('long-enough');
        await create.locator('button[type=submit]').click();
        await expect(create.locator('input[name=email][aria-invalid=true]')).toBeVisible();
        await check(page, locale, `a11y-new-user-${tag}`);

        // One's own password, changed with a wrong current one.
        await page.goto('/admin/users');
        await page.locator('#user-list tr', { hasText: ADMIN.email }).locator('a').click();
        const edit = page.locator('#edit-user');
        await edit.locator('input[name=password]').fill('a-brand-new-password');
        await edit.locator('input[name=current_password]').fill('not-the-current-one');
        await edit.locator('button[type=submit]').click();
        await expect(edit.locator('input[name=current_password][aria-invalid=true]')).toBeVisible();
        await expect(edit.locator('.field-error')).toHaveCount(1);
        await check(page, locale, `a11y-own-password-${tag}`);

        // An article with more tags than allowed.
        await page.goto('/knowledge');
        const article = page.locator('#article-form');
        await article.locator('input[name=title]').fill('Tags');
        await article.locator('textarea[name=body]').fill('Body');
        await article.locator('input[name=tags]').fill(Array.from({ length: 51 }, (_, i) => `t${i}`).join(', '));
        await article.locator('button[type=submit]').click();
        await expect(article.locator('input[name=tags][aria-invalid=true]')).toBeVisible();
        await check(page, locale, `a11y-article-tags-${tag}`);

        // A stage's page and the week's schedule, which the window rule now serves.
        await page.goto('/admin/stages/qualification');
        await check(page, locale, `a11y-stage-${tag}`);
        await page.goto('/schedule?view=week');
        await check(page, locale, `a11y-schedule-${tag}`);

        // The everyday records: lists, a customer's page, the forms, one refused beside its field.
        for (const [path, name] of [['/accounts', 'accounts'], ['/contacts', 'contacts'], ['/profile', 'profile'],
          ['/opportunities/new', 'new-opportunity'], ['/leads/new', 'new-lead'], ['/admin/lookups', 'lookups']]) {
          await page.goto(path);
          await check(page, locale, `a11y-${name}-${tag}`);
        }
        await page.goto('/accounts');
        await page.locator('#account-list td a').first().click();
        await check(page, locale, `a11y-account-${tag}`);
        // The changed pages of a record: a contact, a lead, a deal with its timeline, an activity.
        for (const [list, link, name] of [['/contacts', '#contact-list td a', 'contact'], ['/leads', '#lead-list td a', 'lead'],
          ['/opportunities', '#opportunity-list td a', 'opportunity']]) {
          await page.goto(list);
          await page.locator(link).first().click();
          await check(page, locale, `a11y-${name}-${tag}`);
        }
        await page.goto('/admin/settings');
        await check(page, locale, `a11y-settings-${tag}`);
        await page.goto('/activities/new?type=meeting');
        await page.locator('#activity-form input[name=time]').fill('');
        await page.locator('#activity-form button[type=submit]').click();
        await expect(page.locator('#activity-form input[name=time][aria-invalid=true]')).toBeVisible();
        await check(page, locale, `a11y-new-activity-refused-${tag}`);
        await page.locator('#activity-form input[name=title]').fill('Axe');
        await page.locator('#activity-form input[name=time]').fill('10:00');
        await page.locator('#activity-form button[type=submit]').click();
        await expect(page.locator('#activity-status')).toBeVisible();
        await check(page, locale, `a11y-activity-${tag}`);
        // A picker open with its choices and the one that creates in place.
        await page.goto('/opportunities/new');
        await page.locator('.picker[data-kind=account] [role=combobox]').fill('a');
        await expect(page.locator('#account-options')).toBeVisible();
        await check(page, locale, `a11y-picker-open-${tag}`);
      } finally {
        // The other journeys expect the administrator in Russian.
        if (locale !== 'ru') await h.switchLanguage(page, 'ru');
      }
    });
  }
}

// Every page a person reaches from the menus and the lists, in both languages on a desk and on a
// phone: no axe-core violation and nothing wider than the screen.
const EVERY_PAGE = ['/opportunities', '/opportunities?sort=next&dir=desc', '/board', '/schedule', '/schedule?view=week', '/schedule?view=week&who=team', '/accounts', '/contacts', '/leads',
  '/notifications', '/analytics', '/analytics?from=2026-01-01&to=2027-01-01', '/processes', '/processes/enterprise-sale', '/processes/enterprise-sale-guided', '/knowledge', '/profile', '/run',
  '/opportunities/new', '/leads/new', '/accounts/new', '/contacts/new', '/activities/new?type=call', '/search?q=trade',
  '/admin/users', '/admin/stages', '/admin/lookups', '/admin/settings', '/admin/webhooks'];
const FIRST_OF = [['/opportunities', '#opportunity-list td a'], ['/accounts', '#account-list td a'], ['/contacts', '#contact-list td a'],
  ['/leads', '#lead-list td a'], ['/knowledge', '#article-list a'], ['/schedule?view=week&who=team', '.agenda a']];

for (const size of SIZES) {
  for (const locale of ['ru', 'en']) {
    test(`every page: no axe violations, no sideways scrolling (${locale}, ${size.name})`, async ({ page }) => {
      // Some forty pages, each checked by axe-core: minutes on a busy machine, not seconds.
      test.setTimeout(240_000);
      await signInAsAdmin(page, size, locale);
      try {
        const paths = [...EVERY_PAGE];
        for (const [list, link] of FIRST_OF) {
          await page.goto(list);
          paths.push(await page.locator(link).first().getAttribute('href'));
        }
        for (const path of paths) {
          await page.goto(path);
          expect(await h.axeViolations(page), `axe on ${path}`).toEqual([]);
          const [scrollWidth, innerWidth] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
          expect(scrollWidth, `${path} is wider than the ${size.name}'s screen`).toBeLessThanOrEqual(innerWidth);
        }
      } finally {
        if (locale !== 'ru') await h.switchLanguage(page, 'ru');
      }
    });
  }
}
