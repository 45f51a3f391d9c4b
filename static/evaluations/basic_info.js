// Basic-information table: a live character count under each text answer (no inline scripts: the CSP forbids them).
(function () {
  "use strict";

  function update(area) {
    var counter = document.getElementById(area.id + "-count");
    if (!counter) { return; }
    var shown = counter.querySelector("[data-count]");
    // Count characters as the server does: code points of the trimmed text, a line break being one.
    var count = Array.from(area.value.replace(/\r\n/g, "\n").trim()).length;
    shown.textContent = String(count);
    var max = parseInt(area.getAttribute("data-max-chars") || "", 10);
    var over = !isNaN(max) && count > max;
    counter.classList.toggle("text-danger", over);
    counter.classList.toggle("fw-semibold", over);
  }

  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.matches && el.matches("textarea[data-char-counter]")) { update(el); }
  });

  function init() {
    document.querySelectorAll("textarea[data-char-counter]").forEach(update);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
