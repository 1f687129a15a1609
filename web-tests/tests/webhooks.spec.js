// Webhooks as an administrator meets them: an endpoint added on its page to a receiver running
// here (a Node HTTP server that checks each signature with the secret the page showed once), a
// manager's changes arriving there, the delivery log with the receiver's answers, a failure while
// the receiver is down, and a delivery sent again. In both languages and on a phone.
const crypto = require('node:crypto');
const http = require('node:http');
const { test, expect } = require('@playwright/test');
const h = require('./helpers');

/// A receiver on a free port: every request with its verdict on the signature.
async function startReceiver() {
  const receiver = { received: [], secret: null, down: false };
  receiver.server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      if (receiver.down) {
        response.writeHead(503).end();
        return;
      }
      const timestamp = request.headers['dealflow-timestamp'];
      const expected = crypto.createHmac('sha256', receiver.secret || '').update(`${timestamp}.${body}`).digest();
      const given = Buffer.from(request.headers['dealflow-signature'] || '', 'hex');
      const valid = given.length === expected.length && crypto.timingSafeEqual(given, expected);
      receiver.received.push({ valid, event: JSON.parse(body) });
      response.writeHead(valid ? 204 : 401).end();
    });
  });
  await new Promise((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${receiver.server.address().port}/hooks/dealflow`;
  return receiver;
}


test('an administrator connects a receiver, watches deliveries and sends one again', async ({ page, request }) => {
  test.setTimeout(120_000);
  const receiver = await startReceiver();
  try {
    await h.signInAdmin(page);
    await page.goto('/admin/webhooks');
    await expect(page.locator('h1')).toHaveText('Вебхуки');
    const form = page.locator('#new-webhook');
    // A wrong address first: the message stands beside the field and nothing is added.
    await form.getByLabel('Адрес', { exact: true }).fill('ftp://example.test/hooks');
    await form.getByLabel('Продажа создана', { exact: false }).check();
    await form.getByRole('button', { name: 'Добавить адрес', exact: true }).click();
    await expect(form.locator('.field-error')).toHaveText('Укажите полный адрес, начинающийся с https:// или http://.');
    await form.locator('input[name=url]').fill(receiver.url);
    await form.getByLabel('Стадия продажи изменилась', { exact: false }).check();
    await form.getByRole('button', { name: 'Добавить адрес', exact: true }).click();
    const secret = page.locator('#webhook-secret');
    await expect(secret).toHaveValue(/^[A-Za-z0-9_-]{43}$/);
    receiver.secret = await secret.inputValue();
    await expect(page.locator('#webhook-list')).toContainText('Продажа создана, Стадия продажи изменилась');
    expect(await h.axeViolations(page)).toEqual([]);
    await h.expectOneLanguage(page, 'ru');
    await h.screenshot(page, 'webhooks-added-ru');

    // A manager's work reaches the receiver, signed.
    const manager = await h.apiAs(request, h.people.manager);
    const deal = await manager.post('/opportunities', { title: `Склад на Волге ${Date.now()}` });
    await manager.post(`/opportunities/${deal.id}/stage`, { stage: 'presentation' });
    await expect.poll(() => receiver.received.length, { timeout: 30_000 }).toBe(2);
    expect(receiver.received.every((r) => r.valid)).toBeTruthy();
    expect(receiver.received.map((r) => r.event.type)).toEqual(['opportunity.created', 'opportunity.stage_changed']);
    expect(receiver.received[1].event.data).toMatchObject({ opportunity_id: deal.id, to_stage: 'presentation', by_process: false });

    await page.locator('#webhook-list a').first().click();
    const log = page.locator('#delivery-log tbody tr');
    await expect(log).toHaveCount(2);
    await expect(log.first()).toContainText('Доставлено');
    await expect(log.first()).toContainText('204');
    expect(await h.axeViolations(page)).toEqual([]);
    await h.screenshot(page, 'webhook-log-ru');

    // Down for a while: the log shows the failed attempt and when it is tried next.
    receiver.down = true;
    await manager.post(`/opportunities/${deal.id}/stage`, { stage: 'proposal' });
    await expect.poll(async () => { await page.reload(); return log.count(); }, { timeout: 30_000 }).toBe(3);
    await expect(log.first()).toContainText('Ждёт отправки');
    await expect(log.first()).toContainText('503');
    receiver.down = false;

    // Send a delivered one again: the receiver gets the same event id once more.
    const before = receiver.received.length;
    await log.last().getByRole('button', { name: 'Отправить снова', exact: true }).click();
    await expect.poll(() => receiver.received.length, { timeout: 30_000 }).toBeGreaterThan(before);
    expect(receiver.received.map((r) => r.event.id)).toContain(receiver.received[0].event.id);
    await expect(log).toHaveCount(4);

    await h.switchLanguage(page, 'en');
    await expect(page.locator('#deliveries')).toHaveText('Delivery log');
    await h.expectOneLanguage(page, 'en');
    await h.screenshot(page, 'webhook-log-en');
    await page.setViewportSize({ width: 390, height: 844 });
    await h.screenshot(page, 'webhook-log-phone-en');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1360, height: 900 });
    await page.getByRole('button', { name: 'Delete the endpoint', exact: true }).click();
    await expect(page.locator('#webhook-list')).toHaveCount(0);
    await h.switchLanguage(page, 'ru');
  } finally {
    receiver.server.close();
  }
});
