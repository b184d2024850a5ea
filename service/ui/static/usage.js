// The usage page's graphs: one uPlot chart per figure, from the series the page embeds
// (#usage-data, JSON: {at: [...], series: {field: [...]}}); nothing else is fetched.
(function () {
  "use strict";
  var COLOURS = ["#1f6feb", "#d1242f"];

  function draw() {
    var data = JSON.parse(document.getElementById("usage-data").textContent);
    document.querySelectorAll(".graph").forEach(function (box) {
      var fields = box.dataset.fields.split(" ");
      var labels = box.dataset.labels.split(",");
      var columns = [data.at].concat(fields.map(function (f) { return data.series[f]; }));
      var series = [{}].concat(fields.map(function (f, i) {
        return {label: labels[i], stroke: COLOURS[i % COLOURS.length], width: 1.5,
                spanGaps: false};
      }));
      var chart = new uPlot({width: box.clientWidth || 600, height: 180, series: series,
                             axes: [{}, {size: 70}]}, columns, box);
      box.dataset.points = String(data.at.length);
      box.dataset.drawn = chart ? "yes" : "no";
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
