// The next-step watchdog as a manager and a supervisor meet it: a deal whose only planned call
// has passed is marked on the list, the board and its page, and its owner is told. Time moves
// on a server of this spec's own, started on a test clock: the test moves the clock and runs
// the day's job, and never sleeps.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test, expect } = require('@playwright/test');
const h = require('./helpers');

const port = Number(process.env.DEALFLOW_WEB_TEST_PORT || 18431) + 7;
const base = `http://127.0.0.1:${port}`;
const binary = process.env.DEALFLOW_BIN || path.join(__dirname, '..', '..', 'target', 'debug', 'dealflow');
let server;

test.use({ baseURL: base });

test.beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-watchdog-'));
  server = spawn(binary, ['serve', '--demo', '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, DATABASE_URL: `sqlite://${path.join(dir, 'dealflow.db')}`, DEALFLOW_ADMIN_PASSWORD: 'admin-password-for-tests', DEALFLOW_TEST_CLOCK: '1', RUST_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The server says it listens once the demo data is in.
  await new Promise((resolve, reject) => {
    let said = '';
    server.stdout.on('data', (chunk) => {
      said += chunk;
      if (said.includes('dealflow is listening')) resolve();
    });
    server.on('exit', (code) => reject(new Error(`the server stopped (${code})`)));
  });
});

test.afterAll(() => server && server.kill());

/// Moves the server's clock on and runs the day's watchdog; answers what it did.
async function moveClock(request, hours) {
  const answer = await request.post(`${base}/_test/clock?hours=${hours}`);
  expect(answer.ok(), await answer.text()).toBeTruthy();
  return answer.json();
}

test('a deal whose planned call has passed is marked stale and its owner told', async ({ page, request }) => {
  const manager = await h.apiAs(request, h.people.manager);
  const title = `Склад «Полюс» ${Date.now()}`;
  const deal = await manager.post('/opportunities', { title });
  const now = new Date((await moveClock(request, 0)).now);
  const inTwoDays = new Date(now.getTime() + 2 * 86_400_000).toISOString();
  await manager.post('/activities', { type: 'call', title: 'Созвон о сроках', opportunity_id: deal.id, start_at: inTwoDays, duration_minutes: 30 });
  expect((await manager.get(`/opportunities/${deal.id}`)).stale).toBe(false);

  await h.signIn(page, h.people.manager);
  await page.goto(`/opportunities/${deal.id}`);
  await expect(page.locator('#stale-notice')).toHaveCount(0);

  // Three days on, the call is behind: nothing is planned within Qualification's five days.
  const report = await moveClock(request, 72);
  expect(report.ran).toBe(true);
  expect(report.marked).toBeGreaterThanOrEqual(1);
  const seen = await manager.get(`/opportunities/${deal.id}`);
  expect(seen.stale).toBe(true);

  await page.goto(`/opportunities/${deal.id}`);
  const notice = page.locator('#stale-notice');
  await expect(notice).toContainText('Нет следующего шага');
  await expect(notice).toContainText('5 дн.');
  await h.expectOneLanguage(page, 'ru');
  expect(await h.axeViolations(page)).toEqual([]);
  await h.screenshot(page, 'stale-deal-ru-1440');

  // The owner was told, once.
  await page.goto('/notifications?kind=opportunity_stale');
  const told = page.locator('main .notifications li').filter({ hasText: title });
  await expect(told).toHaveCount(1);
  await expect(told).toContainText('Нет следующего шага');
  await h.screenshot(page, 'stale-notified-ru-1440');
  // A day on the watchdog runs again: the deal stays marked and its owner is not told twice.
  // (Other demo deals may fall behind that day, depending on the date the demo was seeded.)
  expect((await moveClock(request, 24)).ran).toBe(true);
  expect((await manager.get(`/opportunities/${deal.id}`)).stale).toBe(true);
  await page.reload();
  await expect(told).toHaveCount(1);

  // The list and the board mark it.
  await page.goto(`/opportunities?q=${encodeURIComponent(title)}`);
  await expect(page.locator('tbody tr').filter({ hasText: title }).locator('.stale-mark')).toBeVisible();
  await page.goto('/board');
  await expect(page.locator(`li.deal[data-id="${deal.id}"] .stale-mark`)).toBeVisible();
  await h.screenshot(page, 'stale-board-ru-1440');

  // In English, and on a phone.
  await h.switchLanguage(page, 'en');
  await page.goto(`/opportunities/${deal.id}`);
  await expect(page.locator('#stale-notice')).toContainText('No next step');
  await h.expectOneLanguage(page, 'en');
  await h.screenshot(page, 'stale-deal-en-1440');
  await page.setViewportSize({ width: 390, height: 844 });
  await h.screenshot(page, 'stale-deal-en-390');

  // Planning the next step from the notice clears the mark at once.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.locator('#stale-notice a.button').click();
  await expect(page).toHaveURL(/\/activities\/new\?type=call/);
  await h.switchLanguage(page, 'ru');
});
