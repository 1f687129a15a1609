// With JavaScript off every page still reads and every form still posts: the same journey as a
// plain sequence of page loads.
const { test, expect } = require('@playwright/test');
const h = require('./helpers');

test.use({ javaScriptEnabled: false });

test('with JavaScript off a manager starts the process, completes the mini-cards and closes the deal by plain form posts', async ({ page }) => {
  await h.signIn(page, h.people.manager);
  await page.locator('nav.side .run-process').click();
  await expect(page).toHaveURL(/\/run$/);
  await page.locator('main form.run-form button[type=submit]').click();
  await expect(page).toHaveURL(/\/opportunities\/[0-9a-f-]+\?started=1$/);
  await expect(page.locator('#start-hint')).toBeVisible();
  for (const title of ['Связаться с клиентом, выяснить потребность, согласовать дату и время презентации', 'Подготовить презентацию']) {
    await h.miniCard(page, title).locator('button[type=submit]').click();
    await expect(h.miniCard(page, title)).toHaveCount(0);
  }
  await expect(page.locator('.workflow-bar li.current')).toHaveText('Презентация');

  // The final stage link opens the close form on the page itself.
  await page.locator('.workflow-bar a[data-stage=closed_won]').click();
  const dialog = page.locator('#close-dialog');
  await expect(dialog).toBeVisible();
  await dialog.locator('input[name=hours_spent]').fill('4');
  await dialog.locator('#close-submit').click();
  await expect(page.locator('.workflow-bar li.current')).toHaveText('Завершена с победой');
  await expect(page.locator('#bar-locked')).toBeVisible();
});
