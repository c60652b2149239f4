// Stack Monitoring in real Chromium (Playwright, Debian's chromium via executablePath): log
// in as a monitoring_user + kibana_admin user, open Stack Monitoring from the header, see the
// cluster's status and a search-rate chart with a drawn line, then the Nodes and Beats tabs,
// and change the range with the form (no script needed). Prints "ok".
'use strict';
const { check, consoleCertOf, launch, screenshots } = require('./browser_session');

const base = process.env.CONSOLE_URL;

(async () => {
  const browser = await launch(consoleCertOf(process.env.CONSOLE_CA));
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15000);
    const shot = screenshots(page);
    await page.goto(base + '/login');
    await page.getByLabel('Username').fill(process.env.MON_USER);
    await page.getByLabel('Password').fill(process.env.MON_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/app\//);

    await page.getByRole('link', { name: 'Stack Monitoring', exact: true }).click();
    await page.waitForURL(/\/app\/monitoring/);
    const status = await page.locator('[data-test-subj="statusIcon"]').textContent();
    check(status === 'Yellow', 'status: ' + status);
    const chart = page.getByRole('img', { name: /Search Rate/ });
    await chart.waitFor();
    const line = await page.locator('[data-test-subj="searchRate"] path[data-series="Total Shards"]').getAttribute('d');
    check(line && (line.match(/L/g) || []).length > 50, 'search rate line: ' + line);
    await shot('stack-monitoring-overview');

    await page.getByRole('link', { name: 'Nodes', exact: true }).click();
    await page.getByRole('link', { name: 'node-1' }).waitFor();
    await page.getByRole('link', { name: 'node-1' }).click();
    await page.getByRole('img', { name: /CPU Utilization/ }).waitFor();
    await shot('stack-monitoring-node');

    await page.getByRole('link', { name: 'Beats', exact: true }).click();
    await page.getByRole('link', { name: 'shipper-1' }).waitFor();
    const total = await page.locator('[data-test-subj="totalBeats"]').textContent();
    check(total === '1', 'total beats: ' + total);

    // The range form: a range without data explains itself.
    await page.getByLabel('From', { exact: true }).fill('now-5h');
    await page.getByLabel('To', { exact: true }).fill('now-3h');
    await page.getByRole('button', { name: 'Update' }).click();
    await page.getByText('No data in this time range').waitFor();
    await shot('stack-monitoring-no-data');
    console.log('ok');
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
