// The console in real Chromium (Playwright, Debian's chromium via executablePath): log in as
// elastic, create a space (Discover hidden there), the guide's metricbeat_reader role with a
// Kibana privilege for that space and a user in the Security pages, create and invalidate an
// API key, log out, log in as that user: they land in the space, see the permission page for
// users management and no Discover. Prints "ok".
'use strict';
const { check, consoleCertOf, launch, screenshots } = require('./browser_session');

const base = process.env.CONSOLE_URL;
const password = process.env.ELASTIC_PASSWORD;

(async () => {
  const browser = await launch(consoleCertOf(process.env.CONSOLE_CA));
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(15000);
    const shot = screenshots(page);

    // An unauthenticated visit goes to the login page and comes back after login.
    await page.goto(base + '/app/management/security/users');
    check(page.url().includes('/login?next='), 'not redirected to login: ' + page.url());
    await shot('login');
    await page.getByLabel('Username').fill('elastic');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Username or password is incorrect. Please try again.').waitFor();
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/app\/management\/security\/users$/);
    await page.getByRole('link', { name: 'kibana_system', exact: true }).waitFor();
    await shot('users');

    // A space where Discover is hidden, from the Spaces page.
    await page.getByRole('link', { name: 'Spaces', exact: true }).click();
    await page.getByRole('link', { name: 'Create space' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Marketing');
    await page.getByLabel('URL identifier').fill('marketing');
    await page.getByLabel('Discover', { exact: true }).uncheck();
    await shot('space-create');
    await page.getByRole('button', { name: 'Create space' }).click();
    await page.waitForURL(/\/app\/management\/kibana\/spaces$/);
    await page.getByRole('link', { name: 'Marketing', exact: true }).waitFor();

    // The guide's metricbeat_reader role, from the roles page, with read in that space.
    await page.getByRole('link', { name: 'Roles', exact: true }).click();
    await page.getByRole('link', { name: 'Create role' }).click();
    await page.getByLabel('Role name').fill('metricbeat_reader');
    await page.getByLabel('monitor', { exact: true }).check();
    await page.getByLabel('Indices').fill('metricbeat-*');
    await page.getByLabel('Privileges', { exact: true }).fill('read, view_index_metadata');
    await page.getByRole('button', { name: 'Add index privilege' }).click();
    check(await page.getByLabel('Indices').count() === 2, 'no row added');
    await page.getByLabel('Spaces', { exact: true }).fill('marketing');
    await page.getByLabel('Privileges for all features').selectOption('read');
    await shot('role-create');
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.waitForURL(/\/app\/management\/security\/roles$/);
    await page.getByRole('link', { name: 'metricbeat_reader', exact: true }).waitFor();

    // A user with that role, from the users page (keyboard: the form submits with Enter).
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('link', { name: 'Create user' }).click();
    await page.getByLabel('Username').fill('mb_browser');
    await page.getByLabel('Full name').fill('Metricbeat Reader');
    await page.getByLabel('Email address').fill('reader@example.com');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByLabel('Confirm password').fill('short');
    await page.getByLabel('metricbeat_reader', { exact: true }).check();
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('Password must be at least 6 characters.').waitFor();
    await page.getByLabel('Password', { exact: true }).fill('browser-pw');
    await page.getByLabel('Confirm password').fill('browser-pw');
    await shot('user-create');
    await page.getByLabel('Confirm password').press('Enter');
    await page.waitForURL(/\/app\/management\/security\/users$/);
    await page.getByRole('link', { name: 'mb_browser', exact: true }).waitFor();

    // An API key: created (shown once), listed, invalidated.
    page.on('dialog', (dialog) => dialog.accept());
    await page.getByRole('link', { name: 'API keys', exact: true }).click();
    await page.getByLabel('Name', { exact: true }).fill('browser-key');
    await page.getByLabel('Expire after time (days)').fill('7');
    await page.getByRole('button', { name: 'Create API key' }).click();
    await page.getByText(/Created API key 'browser-key'.*Encoded: \S+/).waitFor();
    await shot('api-key-created');
    await page.reload();
    const row = page.getByRole('row').filter({ hasText: 'browser-key' });
    await row.getByRole('button', { name: 'Invalidate browser-key' }).click();
    await page.getByRole('row').filter({ hasText: 'browser-key' }).getByText('Invalidated').waitFor();
    await shot('api-keys');

    // Log out; the session is gone.
    await page.getByRole('link', { name: 'Log out' }).click();
    await page.waitForURL(/\/login\?msg=LOGGED_OUT$/);
    await page.getByText('You have logged out of Elastic.').waitFor();
    await page.goto(base + '/app/management/security/roles');
    check(page.url().includes('/login?next='), 'session survived logout: ' + page.url());

    // The new user may enter only the Marketing space: they land there, without Discover, and
    // without manage_security they see Kibana's permission page.
    await page.getByLabel('Username').fill('mb_browser');
    await page.getByLabel('Password').fill('browser-pw');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/s\/marketing\/app\/management\/security\/users$/);
    await page.getByText('You need permission to manage users').waitFor();
    check((await page.locator('[data-test-subj=currentSpace]').textContent()) === 'Marketing', 'not in the Marketing space');
    check(await page.getByRole('link', { name: 'Dashboards', exact: true }).count() === 1, 'Dashboards missing');
    check(await page.getByRole('link', { name: 'Discover', exact: true }).count() === 0, 'Discover is disabled here');
    check(await page.getByRole('link', { name: 'Spaces', exact: true }).count() === 0, 'no space management');
    await page.goto(base + '/s/marketing/app/management/security/roles');
    await page.getByText('You need permission to manage roles').waitFor();
    await shot('permission');
    const discover = await page.goto(base + '/s/marketing/app/discover');
    check(discover.status() === 404, 'Discover is disabled in this space: ' + discover.status());
    console.log('ok');
  } finally {
    await browser.close();
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
