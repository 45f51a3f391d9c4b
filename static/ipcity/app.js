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

  // Uploads (Excel imports, materials, evidence): the file is sent in the background with a progress
  // bar under the form; the answer replaces the page exactly as a normal submission would.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !window.FormData || !form.matches("form[enctype='multipart/form-data']")) {
      return;
    }
    var files = Array.prototype.slice.call(form.querySelectorAll("input[type=file]"));
    if (!files.some(function (input) { return input.files && input.files.length; })) {
      return;
    }
    var template = document.getElementById("upload-progress-template");
    if (!template) {
      return;
    }
    event.preventDefault();
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) {
      data.append(event.submitter.name, event.submitter.value);
    }
    var box = template.content.firstElementChild.cloneNode(true);
    var bar = box.querySelector(".progress-bar");
    var label = box.querySelector(".upload-progress-label");
    form.appendChild(box);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("X-Upload", "progress");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var percent = Math.round(e.loaded / e.total * 100);
        bar.style.width = percent + "%";
        bar.parentNode.setAttribute("aria-valuenow", String(percent));
        label.textContent = box.dataset.uploading + " " + percent + "%";
        if (percent === 100) {
          label.textContent = box.dataset.checking;
        }
      }
    });
    xhr.addEventListener("load", function () {
      // Accepted: the server's redirect, followed as a real navigation (see UploadRedirectMiddleware).
      var location = xhr.getResponseHeader("X-Location");
      if (xhr.status === 204 && location) {
        var target = new URL(location, window.location.href);
        var here = new URL(window.location.href);
        window.location.assign(target.href);
        if (target.pathname + target.search === here.pathname + here.search) {
          window.location.reload();  // only the #fragment differs: assign alone would not load the page
        }
        return;
      }
      // Refused: the page again with the errors next to the fields, as a plain submission shows it.
      if ((xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") === 0) {
        document.open();
        document.write(xhr.responseText);
        document.close();
        return;
      }
      window.location.reload();
    });
    xhr.addEventListener("error", function () {
      bar.classList.add("bg-danger");
      label.textContent = box.dataset.failed;
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    });
    xhr.send(data);
  });
})();
