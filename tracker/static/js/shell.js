// The Menu button says whether the menu is open (Bootstrap's offcanvas leaves aria-expanded as it found it).
(function () {
  "use strict";
  var menu = document.getElementById("app-sidebar");
  var button = document.querySelector("[data-bs-target='#app-sidebar'][aria-expanded]");
  if (!menu || !button) { return; }
  menu.addEventListener("show.bs.offcanvas", function () { button.setAttribute("aria-expanded", "true"); });
  menu.addEventListener("hidden.bs.offcanvas", function () { button.setAttribute("aria-expanded", "false"); });
}());
