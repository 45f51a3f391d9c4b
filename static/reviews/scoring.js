// Scoring page: the live sum of the reviewer's own subjective points, and a confirmation
// before the review is submitted (it is locked afterwards). No inline scripts (CSP).
(function () {
  "use strict";

  var form = document.getElementById("review-form");
  if (!form) {
    return;
  }
  var total = document.getElementById("subjective-total");

  function cents(text) {
    var value = Number(String(text).replace(",", "."));
    return isFinite(value) && text !== "" ? Math.round(value * 100) : 0;
  }

  function recount() {
    var sum = 0;
    form.querySelectorAll("input.score-points").forEach(function (input) {
      sum += cents(input.value.trim());
    });
    if (total) {
      total.textContent = (sum / 100).toFixed(2);
    }
  }

  form.addEventListener("input", function (event) {
    if (event.target.matches("input.score-points")) {
      recount();
    }
  });

  // Only the submit button asks: saving a draft does not.
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
