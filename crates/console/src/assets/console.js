// ironstack console: sends the page forms to the console's APIs with the kbn-xsrf header that
// every non-GET request needs (the CSP allows no inline script, so this file does it all).
(function () {
  'use strict';

  function show(form, text) {
    var alert = form.querySelector('[role=alert]');
    if (alert) { alert.textContent = text; }
  }

  function answer(response) {
    return response.text().then(function (text) {
      var json = {};
      try { json = text ? JSON.parse(text) : {}; } catch (e) { json = {}; }
      return { ok: response.ok, status: response.status, json: json };
    });
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var login = form.hasAttribute('data-login');
    if (!login && !form.hasAttribute('data-api')) { return; }
    event.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { return; }
    var url = form.getAttribute('action');
    var headers = { 'kbn-xsrf': 'true' };
    var body;
    if (login) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify({
        providerType: form.dataset.providerType || 'basic',
        providerName: form.dataset.providerName || 'basic',
        currentURL: window.location.href,
        params: { username: form.elements.username.value, password: form.elements.password.value }
      });
    } else {
      var data = new FormData(form);
      if (form.dataset.pathField) {
        var name = String(data.get(form.dataset.pathField) || '');
        if (!name) { show(form, 'Enter a name.'); return; }
        url += '/' + encodeURIComponent(name);
      }
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(data).toString();
    }
    show(form, '');
    var button = form.querySelector('[type=submit]');
    if (button) { button.disabled = true; }
    fetch(url, { method: form.dataset.method || 'POST', headers: headers, body: body, credentials: 'same-origin' })
      .then(answer)
      .then(function (result) {
        if (result.ok && form.dataset.result) {
          // Shown once (an API key): stay on the page so it can be copied.
          var out = document.getElementById(form.dataset.result);
          if (out) {
            out.textContent = (result.json.message || 'Done') + '. Copy it now, it is not shown again. Encoded: ' +
              (result.json.encoded || '') + ' Beats: ' + (result.json.beats || '');
          }
          form.reset();
          if (button) { button.disabled = false; }
          return;
        }
        if (result.ok) {
          window.location.assign(result.json.location || form.dataset.next || window.location.href);
          return;
        }
        if (login && result.status === 401) {
          show(form, 'Username or password is incorrect. Please try again.');
        } else {
          show(form, result.json.message || ('Request failed (' + result.status + ')'));
        }
        if (button) { button.disabled = false; }
      })
      .catch(function () {
        show(form, 'Could not connect to the console. Please try again.');
        if (button) { button.disabled = false; }
      });
  });

  // "Add index privilege": a copy of the last row, emptied and renumbered.
  document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('[data-add-row]') : null;
    if (!button) { return; }
    var rows = button.parentNode.querySelector('.rows');
    var all = rows.querySelectorAll('[data-row]');
    var last = all[all.length - 1];
    if (!last) { return; }
    var index = all.length;
    var copy = last.cloneNode(true);
    copy.querySelector('legend').textContent = (rows.dataset.label || 'Row') + ' ' + (index + 1);
    copy.querySelectorAll('input, textarea, select').forEach(function (field) {
      if (field.tagName === 'SELECT') { field.selectedIndex = 0; } else { field.value = ''; }
      field.id = field.id.replace(/-\d+$/, '-' + index);
    });
    copy.querySelectorAll('label').forEach(function (label) {
      label.htmlFor = label.htmlFor.replace(/-\d+$/, '-' + index);
    });
    rows.appendChild(copy);
    var first = copy.querySelector('input');
    if (first) { first.focus(); }
  });
})();
