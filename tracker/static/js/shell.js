// The Menu button says whether the menu is open (Bootstrap's offcanvas leaves aria-expanded as it found it),
// and a region that scrolls sideways on a narrow screen can be scrolled from the keyboard.
(function () {
  "use strict";
  var menu = document.getElementById("app-sidebar");
  var button = document.querySelector("[data-bs-target='#app-sidebar'][aria-expanded]");
  if (menu && button) {
    menu.addEventListener("show.bs.offcanvas", function () { button.setAttribute("aria-expanded", "true"); });
    menu.addEventListener("hidden.bs.offcanvas", function () { button.setAttribute("aria-expanded", "false"); });
  }

  // Tables become their own scrolling boxes on narrow screens (shell.css); one with no link or control in it
  // would be out of the keyboard's reach, so it takes the focus itself (arrow keys then scroll it).
  var SCROLLERS = ".app-main table.table, .app-main .table-responsive, .app-main .fc-scroller";
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
  function reachable(root) {
    (root || document).querySelectorAll(SCROLLERS).forEach(function (box) {
      if (box.hasAttribute("tabindex") || box.querySelector(FOCUSABLE)) { return; }
      box.setAttribute("tabindex", "0");
    });
  }
  window.trackerReachable = reachable;
  document.addEventListener("DOMContentLoaded", function () { reachable(); });
}());
