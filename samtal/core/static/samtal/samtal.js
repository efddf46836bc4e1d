// Samtal's own small script. Pages work without it; it only keeps keyboard focus in place
// after htmx replaces part of a page.
(function () {
  "use strict";
  // A form with data-refocus="id1 id2 ..." moves focus, after its swap, to the first of those
  // elements that exists (e.g. the moved item's button, or the item itself).
  document.addEventListener("htmx:afterSettle", function (event) {
    var source = event.detail && event.detail.requestConfig && event.detail.requestConfig.elt;
    var wanted = source && source.closest("[data-refocus]");
    if (!wanted) return;
    var ids = wanted.getAttribute("data-refocus").split(/\s+/);
    for (var i = 0; i < ids.length; i++) {
      var target = document.getElementById(ids[i]);
      if (target) {
        target.focus();
        return;
      }
    }
  });
})();
