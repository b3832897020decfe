// Quick log: as reception types a phone number, e-mail or name, show existing patients who may be the caller.
(function () {
  "use strict";
  var form = document.getElementById("quick-log");
  var panel = document.getElementById("matches");
  if (!form || !panel) { return; }
  var names = ["phone", "phone_alt", "email", "first_name", "last_name", "date_of_birth"];
  var timer = null;
  var lastQuery = null;

  function refresh() {
    var params = new URLSearchParams();
    names.forEach(function (name) {
      var input = form.elements[name];
      if (input && input.value) { params.set(name, input.value); }
    });
    var query = params.toString();
    if (query === lastQuery) { return; }
    lastQuery = query;
    fetch(form.dataset.matchesUrl + "?" + query, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { if (query === lastQuery) { panel.innerHTML = html; } })
      .catch(function () { /* matching is a convenience; saving still checks for duplicates */ });
  }

  names.forEach(function (name) {
    var input = form.elements[name];
    if (!input) { return; }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    });
  });
})();
