// Coalition web page: small progressive enhancements. Every page works without this script.
(function () {
  'use strict';
  function fr() { return document.documentElement.lang === 'fr'; }
  document.addEventListener('DOMContentLoaded', function () {
    // A form that came back with errors: move focus to the list of errors.
    var summary = document.getElementById('error-summary');
    if (summary) { summary.focus(); }

    // "/" focuses the search box, unless the reader is typing in a field.
    var q = document.getElementById('q');
    if (q) {
      document.addEventListener('keydown', function (e) {
        var tag = (e.target && e.target.tagName) || '';
        if (e.key === '/' && !/^(INPUT|TEXTAREA|SELECT)$/.test(tag)) {
          e.preventDefault();
          q.focus();
        }
      });
    }

    // On a phone, the filters start folded (unless one is set) so the results come into view.
    var filters = document.querySelector('details.filters-box');
    if (filters && filters.getAttribute('data-active') === '0' &&
        window.matchMedia && window.matchMedia('(max-width: 55.99rem)').matches) {
      filters.open = false;
    }

    // Copy buttons beside keys and entry ids.
    if (navigator.clipboard) {
      document.querySelectorAll('[data-copy]').forEach(function (el) {
        var label = fr() ? 'Copier' : 'Copy';
        var b = document.createElement('button');
        b.type = 'button';
        b.className = 'copy';
        b.textContent = label;
        b.addEventListener('click', function () {
          navigator.clipboard.writeText(el.textContent).then(function () {
            b.textContent = fr() ? 'Copié' : 'Copied';
            setTimeout(function () { b.textContent = label; }, 1500);
          });
        });
        el.insertAdjacentElement('afterend', b);
      });
    }

    // The publish form: no double submission.
    var form = document.querySelector('form.publish');
    if (form) {
      form.addEventListener('submit', function () {
        var button = form.querySelector('button[type=submit]');
        if (button) { setTimeout(function () { button.disabled = true; }, 0); }
      });
    }
  });
})();
