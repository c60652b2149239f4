// What the console's Chromium tests share: a headless Chromium (Debian's, via executablePath)
// that trusts exactly the console's certificate key (an SPKI pin, not every certificate),
// assertions, and full-page screenshots when SCREENSHOTS names a folder.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

function spkiPin(certPath) {
  const cert = new crypto.X509Certificate(fs.readFileSync(certPath));
  const der = cert.publicKey.export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(der).digest('base64');
}

function check(condition, message) {
  if (!condition) { throw new Error(message); }
}

// The console's own certificate, beside the CA the tests' stack hands out.
function consoleCertOf(consoleCa) {
  return path.join(path.dirname(path.dirname(consoleCa)), 'console', 'console.crt');
}

function launch(consoleCert) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--ignore-certificate-errors-spki-list=' + spkiPin(consoleCert)],
  });
}

// `shot(name)` saves the page as SCREENSHOTS/<name>.png, or does nothing without SCREENSHOTS.
function screenshots(page) {
  const shots = process.env.SCREENSHOTS;
  return async (name) => {
    if (shots) {
      fs.mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: path.join(shots, name + '.png'), fullPage: true });
    }
  };
}

module.exports = { check, consoleCertOf, launch, screenshots };
