// The console's only script besides htmx: copy buttons, and a code carried in the URL fragment
// (never sent to the server in the URL) copied into its form. Served as /console/assets/console.js.
export const CONSOLE_JS = `'use strict';
document.addEventListener('DOMContentLoaded', function () {
  var form = document.querySelector('form[data-fragment-token]');
  var code = decodeURIComponent(location.hash.slice(1));
  if (form && code) {
    form.querySelector('input[name="token"]').value = code;
    history.replaceState(null, '', location.pathname);
  }
});
document.addEventListener('click', function (event) {
  var button = event.target.closest && event.target.closest('button[data-copy]');
  if (!button) return;
  var source = document.getElementById(button.getAttribute('data-copy'));
  if (!source) return;
  var text = source.value !== undefined ? source.value : source.textContent;
  var done = function () {
    button.textContent = 'Copied';
    setTimeout(function () { button.textContent = 'Copy'; }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, function () { source.select && source.select(); });
  } else if (source.select) {
    source.select();
    document.execCommand('copy');
    done();
  }
});
`;
