// The header field as search and command line at once (issue 15): found by a fragment, opened
// with the keyboard, commands run from Ctrl+K, the phone's search icon.
const { test, expect } = require('@playwright/test');
const h = require('./helpers');

const started = Date.now();
test.afterAll(() => console.log(`palette journeys: ${((Date.now() - started) / 1000).toFixed(1)} s`));

/// The palette's line that reads `title`.
const line = (page, title) => page.locator('#palette [role=option]').filter({ has: page.locator('.palette-title').getByText(title, { exact: true }) });

test('search finds an account by a lower-case fragment of its Cyrillic name and opens it with the keyboard', async ({ page, request }) => {
  const api = await h.apiAs(request, h.people.manager);
  const account = await api.post('/accounts', { name: `ООО «Ромашка-Трейд» ${Date.now()}` });
  await h.signIn(page, h.people.manager);
  await page.keyboard.press('/');
  await expect(page.locator('#command-input')).toBeFocused();
  await page.locator('#command-input').pressSequentially('ромашка-тр');
  const found = line(page, account.name);
  await expect(found).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#command-input')).toHaveAttribute('aria-activedescendant', await found.getAttribute('id'));
  await expect(page.locator('#palette .palette-heading').first()).toHaveText('Клиенты');
  await h.screenshot(page, 'palette-account-ru-1440');
  expect(await h.axeViolations(page)).toEqual([]);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(`/accounts/${account.id}`);
  await expect(page.locator('h1')).toContainText('Ромашка-Трейд');

  // Enter without a choice shows every record found, grouped by kind.
  await page.locator('#command-input').fill('ромашка');
  await page.locator('#command-input').press('Escape');
  await page.locator('#command-input').press('Enter');
  await expect(page).toHaveURL(/\/search\?q=/);
  await expect(page.locator('#found-account-list')).toContainText(account.name);
});

test('Ctrl+K then a command starts the process', async ({ page }) => {
  await h.signIn(page, h.people.manager);
  await page.locator('h1').click();
  await page.keyboard.press('Control+k');
  await expect(page.locator('#command-input')).toBeFocused();
  // With nothing typed the palette offers the commands of the person's own language.
  await expect(page.locator('#palette [role=option]').first()).toHaveText('Запустить процесс Корпоративная продажа');
  await page.keyboard.type('запустить процесс корп');
  await expect(line(page, 'Запустить процесс Корпоративная продажа')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/opportunities\/[0-9a-f-]+\?started=1$/);
  await expect(page.locator('#start-hint')).toBeVisible();
});

test('on a phone the search is an icon that opens the field; in English too', async ({ browser, request }) => {
  const api = await h.apiAs(request, h.people.englishManager);
  const account = await api.post('/accounts', { name: `Northwind Traders ${Date.now()}`, phone: '+44 (20) 7946-0958' });
  for (const [width, height] of [[390, 844], [1440, 900]]) {
    const page = await (await browser.newContext({ viewport: { width, height }, locale: 'en-GB' })).newPage();
    await h.signIn(page, h.people.englishManager);
    const input = page.locator('#command-input');
    if (width < 900) {
      await expect(input).toBeHidden();
      await page.locator('#search-open').click();
    } else {
      await input.click();
    }
    await expect(input).toBeFocused();
    // Digits find a phone written with punctuation.
    await input.pressSequentially('2079460958');
    await expect(line(page, account.name)).toHaveAttribute('aria-selected', 'true');
    await h.expectOneLanguage(page, 'en');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBeTruthy();
    await h.screenshot(page, `palette-phone-digits-en-${width}`);
    expect(await h.axeViolations(page)).toEqual([]);
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(`/accounts/${account.id}`);
  }
});
