// Quick log: opening "Next free consultation slots" loads them as choices; the one chosen is booked after saving.
(function () {
  "use strict";
  var panel = document.getElementById("free-slots");
  var list = document.getElementById("free-slots-list");
  if (!panel || !list || list.querySelector("input[name=book_slot]")) { return; }
  var loaded = false;
  panel.addEventListener("toggle", function () {
    if (!panel.open || loaded) { return; }
    loaded = true;
    fetch(panel.dataset.url, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { list.innerHTML = html; } })
      .catch(function () { /* the links to the finder and the diary stay */ });
  });
})();
