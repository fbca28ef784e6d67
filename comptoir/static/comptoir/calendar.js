// Drag-and-drop rescheduling on the calendar: a dropped post is sent to the server with HTMX, which answers the
// re-drawn grid (or the reason the move was refused). No library beyond htmx.
(function () {
  "use strict";
  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest("[data-target-id]");
    if (!item) return;
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.targetId);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".drop-over").forEach(function (cell) { cell.classList.remove("drop-over"); });
  });

  document.addEventListener("dragover", function (event) {
    var cell = event.target.closest && event.target.closest("[data-drop-day]");
    if (!cell || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    cell.classList.add("drop-over");
  });

  document.addEventListener("dragleave", function (event) {
    var cell = event.target.closest && event.target.closest("[data-drop-day]");
    if (cell && !cell.contains(event.relatedTarget)) cell.classList.remove("drop-over");
  });

  document.addEventListener("drop", function (event) {
    var cell = event.target.closest && event.target.closest("[data-drop-day]");
    var grid = document.getElementById("calendar-grid");
    if (!cell || !grid || !dragged) return;
    event.preventDefault();
    var values = { target: dragged.dataset.targetId, day: cell.dataset.dropDay };
    if (cell.dataset.dropTime) values.time = cell.dataset.dropTime;
    htmx.ajax("POST", grid.dataset.moveUrl, { source: cell, target: "#calendar-grid", swap: "outerHTML", values: values });
  });

  // A refused move answers 422 with the re-drawn grid and its reason: show it rather than drop it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422 && event.detail.target.id === "calendar-grid") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
