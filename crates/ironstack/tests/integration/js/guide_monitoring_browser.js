// The guide's last step in real Chromium (Playwright, Debian's chromium via executablePath):
// log in to the console as the guide's monitoring user, open Stack Monitoring from the
// header, and see the node and the shipper that have just run, with drawn rate lines; then
// log out and find the session gone. Prints "ok".
'use strict';
const { check, launch } = require('./browser_session');

const base = process.env.CONSOLE_URL;

(async () => {
  const browser = await launch(process.env.CONSOLE_CERT);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(15000);
    await page.goto(base + '/login');
    await page.getByLabel('Username').fill(process.env.MON_USER);
    await page.getByLabel('Password').fill(process.env.MON_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/app\//);

    await page.getByRole('link', { name: 'Stack Monitoring', exact: true }).click();
    await page.waitForURL(/\/app\/monitoring/);
    const version = await page.locator('[data-test-subj="esVersion"]').textContent();
    check(version === '9.1.0', 'version: ' + version);
    const nodes = await page.locator('[data-test-subj="nodesCount"]').textContent();
    check(nodes === '1', 'nodes: ' + nodes);
    // The last minutes, so that the 10 s samples fall in 10 s buckets.
    await page.getByLabel('From', { exact: true }).fill('now-3m');
    await page.getByRole('button', { name: 'Update' }).click();
    await page.getByRole('img', { name: /Indexing Rate/ }).waitFor();
    const line = await page.locator('[data-test-subj="indexingRate"] path[data-series="Total Shards"]').getAttribute('d');
    check(line && line.startsWith('M'), 'indexing rate line: ' + line);

    await page.getByRole('link', { name: 'Nodes', exact: true }).click();
    await page.locator('main table a').first().waitFor();

    await page.getByRole('link', { name: 'Beats', exact: true }).click();
    const total = await page.locator('[data-test-subj="totalBeats"]').textContent();
    check(total === '1', 'total beats: ' + total);
    const beat = page.locator('[data-test-subj="beatsListingPage"] a').first();
    await beat.click();
    await page.getByRole('img', { name: /Events Rate/ }).waitFor();
    const events = await page.locator('[data-test-subj="beatsEventsRate"] path[data-series="Total"]').getAttribute('d');
    check(events && events.startsWith('M'), 'events rate line: ' + events);

    await page.locator('[data-test-subj="logoutLink"]').click();
    await page.waitForURL(/\/login/);
    await page.goto(base + '/app/monitoring');
    await page.waitForURL(/\/login/);
    console.log('ok');
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
