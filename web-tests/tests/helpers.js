// What the journeys share: the demo team, signing in, API set-up, screenshots, the language check.
const fs = require('node:fs');
const path = require('node:path');
const { expect } = require('@playwright/test');

const PASSWORD = 'demo-password';
const ADMIN = { email: 'admin@localhost', password: 'admin-password-for-tests' };
const people = {
  supervisor: 'irina.sokolova@demo.local',
  manager: 'alexey.petrov@demo.local',
  secondManager: 'maria.ivanova@demo.local',
  englishManager: 'john.carter@demo.local',
};

const screenshotDir = path.join(__dirname, '..', 'screenshots');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/// Every axe-core violation on the page, as `rule: target` lines.
async function axeViolations(page) {
  // Evaluated through the debugging protocol, which the page's script policy does not govern.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
  return violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}

async function signIn(page, email) {
  await page.goto('/login');
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(PASSWORD);
  await page.locator('form[action="/login"] button[type=submit]').click();
  await expect(page).toHaveURL(/\/opportunities$/);
}

/// Signs in as the administrator `playwright.config.js` has the server create.
async function signInAdmin(page) {
  await page.goto('/login');
  await page.locator('input[name=email]').fill(ADMIN.email);
  await page.locator('input[name=password]').fill(ADMIN.password);
  await page.locator('form[action="/login"] button[type=submit]').click();
  await expect(page).toHaveURL(/\/opportunities$/);
}

/// Sets the signed-in person's language through the user menu.
async function switchLanguage(page, locale) {
  await page.locator('.user-menu > summary').click();
  await page.locator(`.user-menu button[name=locale][value=${locale}]`).click();
  await expect(page.locator('html')).toHaveAttribute('lang', locale);
}

/// A bearer token for set-up through the REST API (the same services the pages use).
async function apiAs(request, email) {
  const answer = await request.post('/api/v1/auth/token', { data: { email, password: PASSWORD } });
  expect(answer.ok()).toBeTruthy();
  const { token } = await answer.json();
  const headers = { authorization: `Bearer ${token}` };
  return {
    headers,
    async post(url, data) {
      const response = await request.post(`/api/v1${url}`, { data, headers });
      expect(response.ok(), `${url}: ${await response.text()}`).toBeTruthy();
      return response.json();
    },
    async get(url) {
      const response = await request.get(`/api/v1${url}`, { headers });
      expect(response.ok()).toBeTruthy();
      return response.json();
    },
  };
}

async function screenshot(page, name) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

/// The text a person reads on the page, without what people typed (marked translate="no").
async function readableText(page) {
  return page.evaluate(() => {
    const body = document.body.cloneNode(true);
    body.querySelectorAll('[translate="no"], script, style, template, datalist').forEach((e) => e.remove());
    const texts = [body.textContent];
    for (const e of body.querySelectorAll('[placeholder], [title], [aria-label], [alt]')) {
      for (const name of ['placeholder', 'title', 'aria-label', 'alt']) texts.push(e.getAttribute(name) || '');
    }
    return texts.join(' ');
  });
}

/// Fails when the page mixes languages: Latin words on a Russian page or Cyrillic on an English one.
async function expectOneLanguage(page, locale) {
  const text = await readableText(page);
  const url = page.url();
  if (locale === 'ru') {
    const latin = (text.replace(/\b(BANT|dealflow|CSV|TOML|Ctrl|Google|Outlook|Apple|Thunderbird|URL|Pipedrive|HubSpot|Salesforce|UTF|Windows)\b/g, '').match(/[A-Za-z]{2,}/g) || []);
    expect(latin, `English words on the Russian page ${url}`).toEqual([]);
  } else {
    const cyrillic = text.match(/[\u0400-\u04FF]+/g) || [];
    expect(cyrillic, `Russian words on the English page ${url}`).toEqual([]);
  }
}

/// Starts Enterprise sale from the side panel's dialog; answers the new opportunity's id.
async function runFromSidePanel(page, processName) {
  await page.locator('nav.side .run-process').click();
  const dialog = page.locator('#run-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByLabel(processName, { exact: true }).check();
  await dialog.locator('button[type=submit]').click();
  await expect(page).toHaveURL(/\/opportunities\/[0-9a-f-]+\?started=1$/);
  return page.url().match(/opportunities\/([0-9a-f-]+)/)[1];
}

/// The action panel's card whose title is exactly this.
function miniCard(page, title) {
  return page.locator('.mini-card').filter({ has: page.getByRole('heading', { name: title, exact: true }) });
}

/// Completes the mini-card with this title in place, with the result named.
async function completeCard(page, title, result) {
  const card = miniCard(page, title);
  if (result) await card.locator('select[name=result]').selectOption({ label: result });
  await card.locator('button[type=submit]').click();
  await expect(miniCard(page, title)).toHaveCount(0);
}

/// Confirms a stage change in the dialog that shows what it will do, after checking it opened.
async function confirmMove(page) {
  const dialog = page.locator('#stage-move-dialog');
  await expect(dialog).toBeVisible();
  await dialog.locator('#stage-move-submit').click();
  await expect(dialog).toHaveCount(0);
}

/// A marker that survives only while the page is not reloaded.
async function markPage(page) {
  await page.evaluate(() => { window.__sameDocument = true; });
}

async function expectSamePage(page) {
  expect(await page.evaluate(() => window.__sameDocument === true), 'the page was reloaded').toBeTruthy();
}

module.exports = {
  confirmMove,
  axeViolations,
  people, signIn, signInAdmin, miniCard, switchLanguage, apiAs, screenshot, expectOneLanguage, runFromSidePanel, completeCard, markPage, expectSamePage,
};
