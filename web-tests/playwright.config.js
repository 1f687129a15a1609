// Browser tests of the web app: Debian's Chromium, headless, against a real `dealflow serve
// --demo` on a fresh SQLite file. The browser is never downloaded by the test tool.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { defineConfig } = require('@playwright/test');

const port = Number(process.env.DEALFLOW_WEB_TEST_PORT || 18431);
const binary = process.env.DEALFLOW_BIN || path.join(__dirname, '..', 'target', 'debug', 'dealflow');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-web-'));

module.exports = defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
    viewport: { width: 1360, height: 900 },
    locale: 'ru-RU',
    trace: 'retain-on-failure',
  },
  webServer: {
    command: `${binary} serve --demo --listen 127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      DATABASE_URL: `sqlite://${path.join(dataDir, 'dealflow.db')}`,
      DEALFLOW_ADMIN_PASSWORD: 'admin-password-for-tests',
      RUST_LOG: 'warn',
    },
  },
});
