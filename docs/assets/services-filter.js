// The services index: hide the table rows that do not contain what is typed in the
// filter box. Runs on every page load (instant navigation included); does nothing on
// pages without the box.
function multiregionServiceFilter() {
  var box = document.getElementById("service-filter");
  if (!box || box.dataset.ready) return;
  box.dataset.ready = "1";
  var table = document.querySelector("article table");
  if (!table) return;
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  function apply() {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    rows.forEach(function (row) {
      var text = row.textContent.toLowerCase();
      var shown = words.every(function (w) { return text.indexOf(w) !== -1; });
      row.style.display = shown ? "" : "none";
    });
  }
  box.addEventListener("input", apply);
  var query = new URLSearchParams(window.location.search).get("service");
  if (query) { box.value = query; apply(); }
}
if (typeof document$ !== "undefined") {
  document$.subscribe(multiregionServiceFilter);
} else {
  document.addEventListener("DOMContentLoaded", multiregionServiceFilter);
}
