// Adding a plan item: choosing a treatment fills sessions, interval and price with the catalogue's
// defaults (from the option's data- attributes), unless the specialist has typed their own.
// Without JavaScript the fields stay blank and the server takes the same defaults.
(function () {
  "use strict";
  var form = document.getElementById("add-item");
  if (!form) { return; }
  var select = form.elements.treatment;
  var targets = { sessions: "sessions", interval_weeks: "interval", price: "price" };
  var filled = {};

  select.addEventListener("change", function () {
    var option = select.options[select.selectedIndex];
    Object.keys(targets).forEach(function (name) {
      var input = form.elements[name];
      if (!input || (input.value !== "" && input.value !== filled[name])) { return; }
      var value = option ? option.getAttribute("data-" + targets[name]) : null;
      input.value = value === null ? "" : value;
      filled[name] = input.value;
    });
  });
})();
