// ipcity page behaviour. No inline scripts anywhere (the CSP forbids them).
(function () {
  "use strict";

  // Irreversible actions: a form with data-confirm asks before it submits.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !form.dataset.confirmed) {
      if (!window.confirm(message)) {
        event.preventDefault();
        return;
      }
      form.dataset.confirmed = "1";
    }
    // Avoid double submission of a slow form.
    var buttons = form.querySelectorAll("button[type=submit]");
    window.setTimeout(function () {
      buttons.forEach(function (b) { b.disabled = true; });
    }, 0);
  }, true);

  // Selects marked data-autosubmit submit their form when changed.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      el.form.requestSubmit();
    }
  });
})();
