// The console's only script besides htmx: copy buttons. Served as /console/assets/console.js.
export const CONSOLE_JS = `'use strict';
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
