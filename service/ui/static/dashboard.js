// The dashboard's own behaviour, beside htmx:
// - table cells labelled with their column (a phone shows rows as labelled lines);
// - times in the reader's own zone: every <time datetime=...> the server wrote in UTC, on
//   load and after each part htmx swaps in;
// - a console log that keeps its reader's place across refreshes;
// - an alert shown where it was caused (the server puts it in the slot above the part the
//   request was for) is cleared when that part is asked again.
(function () {
  "use strict";
  function localise(root) {
    root.querySelectorAll("time[datetime]").forEach(function (node) {
      var moment = new Date(node.getAttribute("datetime"));
      if (!isNaN(moment)) {
        node.textContent = moment.toLocaleString();
        node.title = node.getAttribute("datetime");
      }
    });
  }
  // each cell is labelled with its column's header: a phone shows rows as labelled lines
  function label(root) {
    root.querySelectorAll("table").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"),
                                           function (th) { return th.textContent.trim(); });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, index) {
          if (!cell.hasAttribute("colspan") && heads[index]) { cell.dataset.label = heads[index]; }
        });
      });
    });
  }
  function ready(root) { localise(root); label(root); }
  document.addEventListener("DOMContentLoaded", function () { ready(document); });
  document.addEventListener("htmx:afterSwap", function (event) { ready(event.target); });
  // a console log keeps where its reader is across its refreshes: at the end if they were
  // at the end (following it), else where they had scrolled to
  var consoleAt = {};  // by the console part's id: where its reader last scrolled it to
  document.addEventListener("scroll", function (event) {
    var log = event.target;
    if (!log.matches || !log.matches("pre.console")) { return; }
    var part = log.parentElement;
    if (part && part.id) {
      consoleAt[part.id] = {top: log.scrollTop,
                            following: log.scrollTop + log.clientHeight >= log.scrollHeight - 4};
    }
  }, true);
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("pre.console").forEach(function (log) {
      var was = consoleAt[log.parentElement.id];
      var top = !was || was.following ? log.scrollHeight : was.top;
      if (log.scrollTop !== top) { log.scrollTop = top; }
    });
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    var verb = (event.detail.requestConfig || {}).verb;
    if (target && target.id && verb && verb.toLowerCase() === "post") {
      var slot = document.getElementById(target.id + "-alerts");
      if (slot) { slot.innerHTML = ""; }
    }
  });
})();
