// Importing from another CRM as a supervisor meets it: a Pipedrive export uploaded through the
// wizard, its columns proposed from Pipedrive's headers, one mapping changed by hand, a dry run
// that lists the problem rows, the import with its progress bar, the rejected rows downloaded,
// and the imported deal in the list with the process asked for. In both languages and on a phone.
const { test, expect } = require('@playwright/test');
const h = require('./helpers');

/// A deals export as Pipedrive writes it, with a custom column Pipedrive names its own way and
/// two rows that cannot be imported as they are.
function pipedriveExport(suffix) {
  const rows = [
    ['Deal - Title', 'Deal - Value', 'Deal - Currency', 'Deal - Stage', 'Deal - Expected close date', 'Organization - Name', 'Organization - Custom ID', 'Person - Name', 'Person - Email', 'Activity - Subject', 'Activity - Type', 'Activity - Due date'],
    [`Warehouse automation ${suffix}`, '240000', 'RUB', 'Presentation', '2027-03-31', `Kama Steel ${suffix}`, '7701234567', 'Pavel Orlov', `pavel.${suffix}@kama.example`, 'Call about the pilot', 'Call', '2026-12-15 11:00'],
    [`Warehouse automation ${suffix}`, '240000', 'RUB', 'Presentation', '2027-03-31', `Kama Steel ${suffix}`, '7701234567', 'Pavel Orlov', `pavel.${suffix}@kama.example`, 'Send the proposal', 'Email', '2026-12-16'],
    [`Fleet tracking ${suffix}`, '95000', 'RUB', 'Qualification', '2027-02-15', `Don Trans ${suffix}`, '6161234567', 'Elena Gromova', `elena.${suffix}@dontrans.example`, '', '', ''],
    [`Retail analytics ${suffix}`, 'a lot', 'RUB', 'Negotiations Started', '2027-01-20', `Baltic Shops ${suffix}`, '7801234567', 'Ilya Zorin', `ilya.${suffix}@baltic.example`, '', '', ''],
    [`ERP upgrade ${suffix}`, '410000', 'RUB', 'Proposal', '2027-04-30', `Kama Steel ${suffix}`, '7701234567', 'Pavel Orlov', `pavel.${suffix}@kama.example`, 'Demo', 'Meeting', 'next week'],
  ];
  const quote = (cell) => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
  return Buffer.from(rows.map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n', 'utf8');
}

async function uploadFile(page, name, buffer) {
  await page.locator('#import-upload input[name=file]').setInputFiles({ name, mimeType: 'text/csv', buffer });
  await page.locator('#import-upload button[type=submit]').click();
  await expect(page).toHaveURL(/\/imports\/[0-9a-f-]+$/);
}

test('a supervisor brings a Pipedrive export over through the wizard', async ({ page }) => {
  test.setTimeout(120_000);
  const suffix = `${Date.now()}`;
  await h.signIn(page, h.people.supervisor);
  await page.locator('nav.side').getByRole('link', { name: 'Импорт данных', exact: true }).click();
  await expect(page.locator('h1')).toHaveText('Импорт данных');
  // Nothing chosen: the message stands beside the field.
  await page.locator('#import-upload button[type=submit]').click();
  await expect(page.locator('#import-upload .field-error')).toHaveText('Выберите файл CSV.');
  await uploadFile(page, 'pipedrive-deals.csv', pipedriveExport(suffix));

  // The mapping proposed from Pipedrive's headers; the custom column is mapped by hand.
  await expect(page.locator('h1')).toHaveText('pipedrive-deals.csv');
  await expect(page.locator('main')).toContainText('Строк: 5. Кодировка: UTF-8. Разделитель: запятая.');
  const select = (header) => page.getByLabel(header, { exact: true });
  await expect(select('Deal - Title')).toHaveValue('opportunity.title');
  await expect(select('Organization - Name')).toHaveValue('account.name');
  await expect(select('Deal - Currency')).toHaveValue('');
  await expect(select('Organization - Custom ID')).toHaveValue('');
  await select('Organization - Custom ID').selectOption('account.tax_number');
  expect(await h.axeViolations(page)).toEqual([]);
  await h.expectOneLanguage(page, 'ru');
  await h.screenshot(page, 'import-mapping-ru');

  // The dry run: what would be made, and each problem row with its column and reason.
  await page.getByRole('button', { name: 'Проверить без загрузки', exact: true }).click();
  const summary = page.locator('#import-summary');
  await expect(summary.locator('h2')).toHaveText('Итог проверки: что будет сделано', { timeout: 30_000 });
  await expect(page.locator('.badge').first()).toHaveText('Проверен');
  const tally = (kind) => summary.locator('tbody tr').filter({ has: page.getByRole('rowheader', { name: kind, exact: true }) });
  await expect(tally('Клиенты').locator('td')).toHaveText(['2', '0', '0']);
  await expect(tally('Продажи').locator('td')).toHaveText(['2', '0', '0']);
  await expect(tally('Активности').locator('td')).toHaveText(['2', '0', '0']);
  await expect(page.locator('#rejected')).toContainText('Отклонённые строки: 2');
  const problems = page.locator('#import-problems tbody tr');
  await expect(problems).toHaveCount(3);
  await expect(problems.nth(0)).toContainText('5');
  await expect(problems.nth(0)).toContainText('Deal - Stage');
  await expect(problems.nth(0)).toContainText('Такой стадии нет.');
  await expect(problems.nth(1)).toContainText('Deal - Value');
  await expect(problems.nth(2)).toContainText('6');
  await expect(problems.nth(2)).toContainText('Activity - Due date');
  await expect(page.locator('#stages-hint')).toContainText('Квалификация');
  await expect(select('Organization - Custom ID')).toHaveValue('account.tax_number', { timeout: 1_000 });
  expect(await h.axeViolations(page)).toEqual([]);
  await h.expectOneLanguage(page, 'ru');
  await h.screenshot(page, 'import-dry-run-ru');

  // The import: its progress, then what it made; the rejected rows download with their reasons.
  await page.locator('select[name=start_process]').selectOption({ label: 'Корпоративная продажа' });
  await page.getByRole('button', { name: 'Импортировать', exact: true }).click();
  await expect(summary.locator('h2')).toHaveText('Импорт завершён', { timeout: 30_000 });
  await expect(tally('Продажи').locator('td')).toHaveText(['2', '0', '0']);
  await expect(page.locator('#processes-started')).toHaveText('Процесс запущен на открытых продажах: 2.');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Скачать отклонённые строки', exact: true }).click()]);
  const rejected = require('node:fs').readFileSync(await download.path(), 'utf8');
  const lines = rejected.replace(/^\uFEFF/, '').trim().split('\r\n');
  expect(lines).toHaveLength(3);
  expect(lines[0]).toMatch(/,Строка,Ошибки$/);
  expect(lines[1]).toContain(`Retail analytics ${suffix}`);
  expect(lines[1]).toContain('Deal - Stage: Такой стадии нет.');
  expect(lines[2]).toContain(`ERP upgrade ${suffix}`);
  await h.screenshot(page, 'import-done-ru');

  await page.getByRole('link', { name: 'К списку продаж', exact: true }).click();
  await page.goto(`/opportunities?q=${encodeURIComponent(`Warehouse automation ${suffix}`)}`);
  await page.getByRole('link', { name: `Warehouse automation ${suffix}`, exact: true }).click();
  await expect(page.locator('main')).toContainText(`Kama Steel ${suffix}`);
  await expect(page.locator('main')).toContainText('Call about the pilot');
  await expect(page.locator('main')).toContainText('загружена из файла «pipedrive-deals.csv»');

  // In English, and on a phone: the list of imports and a fresh upload's mapping.
  await h.switchLanguage(page, 'en');
  await page.goto('/imports');
  await expect(page.locator('#import-list')).toContainText('pipedrive-deals.csv');
  await expect(page.locator('#import-list')).toContainText('Imported');
  await h.expectOneLanguage(page, 'en');
  await h.screenshot(page, 'imports-en');
  await page.setViewportSize({ width: 390, height: 844 });
  await uploadFile(page, 'pipedrive-deals.csv', pipedriveExport(`${suffix}b`));
  await expect(page.getByRole('button', { name: 'Dry run', exact: true })).toBeVisible();
  expect(await h.axeViolations(page)).toEqual([]);
  await h.expectOneLanguage(page, 'en');
  await h.screenshot(page, 'import-mapping-phone-en');
  await page.getByRole('button', { name: 'Dry run', exact: true }).click();
  await expect(page.locator('#import-summary h2')).toHaveText('Dry run: what the import would do', { timeout: 30_000 });
  await expect(page.locator('#import-problems tbody tr').first()).toContainText('There is no such stage.');
  await h.expectOneLanguage(page, 'en');
  await h.screenshot(page, 'import-dry-run-phone-en');
  await h.switchLanguage(page, 'ru');
});

test('a manager has no import in the menu and is turned away from it', async ({ page }) => {
  await h.signIn(page, h.people.manager);
  await expect(page.locator('nav.side')).not.toContainText('Импорт данных');
  const answer = await page.goto('/imports');
  expect(answer.status()).toBe(403);
  await expect(page.locator('main')).toContainText('Загружать данные из файлов могут руководители и администраторы.');
});
