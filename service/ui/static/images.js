// The dashboard's image upload: the chosen file is sent as the request's body (the server
// writes it to disk as it comes), its fields in the query, with a progress bar; the answer
// is the refreshed image table, or the alert saying what was refused.
(function () {
  "use strict";

  function upload(form) {
    var file = form.querySelector("input[type=file]").files[0];
    var bar = form.querySelector("progress");
    var status = form.querySelector(".upload-status");
    if (!file) { return; }
    var query = new URLSearchParams();
    ["name", "sha256", "os"].forEach(function (field) {
      var value = form.elements[field].value.trim();
      if (value) { query.set(field, value); }
    });
    if (!query.get("name")) { query.set("name", file.name.replace(/\.(qcow2|img|raw)$/, "")); }
    var request = new XMLHttpRequest();
    request.open("POST", "/ui/images?" + query.toString());
    request.setRequestHeader("HX-Request", "true");
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.upload.onprogress = function (event) {
      if (event.lengthComputable) { bar.max = event.total; bar.value = event.loaded; }
    };
    request.onload = function () {
      bar.hidden = true;
      form.querySelector("button").disabled = false;
      var alerted = request.getResponseHeader("HX-Retarget") === "#alerts";
      var target = alerted ? status : document.getElementById("images");
      if (!alerted) { status.textContent = ""; }
      target.innerHTML = request.responseText;
      if (window.htmx) {  // its buttons work at once, and it is labelled as a swap would be
        window.htmx.process(target);
        target.dispatchEvent(new CustomEvent("htmx:afterSwap", {bubbles: true}));
      }
    };
    request.onerror = function () {
      bar.hidden = true;
      form.querySelector("button").disabled = false;
      status.textContent = "the upload broke off";
    };
    bar.hidden = false;
    bar.removeAttribute("value");
    status.textContent = "uploading " + file.name + "…";
    form.querySelector("button").disabled = true;
    request.send(file);
  }

  document.addEventListener("submit", function (event) {
    if (event.target.id === "upload-image") {
      event.preventDefault();
      upload(event.target);
    }
  });
})();
