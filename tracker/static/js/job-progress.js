// A background job's progress page: asks for the job's figures every second or two and shows them, until it ends.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-progress]");
  if (!box || box.dataset.finished === "true") { return; }
  var field = function (name) { return box.querySelector("[data-field='" + name + "']"); };
  var number = function (n) { return n.toLocaleString("en-GB"); };
  var delay = 1000;

  function show(state) {
    field("label").textContent = state.label;
    field("counts").textContent = state.total ? number(state.done) + " of " + number(state.total) + " rows"
      : (state.done ? number(state.done) + " rows" : "");
    var bar = field("bar");
    if (state.percent !== null) {
      bar.value = state.percent;
      bar.textContent = state.percent + "%";
    }
    field("times").textContent = (state.elapsed ? "Elapsed " + state.elapsed : "") +
      (state.left ? " · about " + state.left + " left" : "");
    if (field("message").textContent !== state.message) { field("message").textContent = state.message; }
  }

  function ask() {
    fetch(box.dataset.statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.finished) { window.location.reload(); return; }  // the finished page has the file or the result
        delay = 1000;
        window.setTimeout(ask, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000);  // the server is busy or away: ask less often
        window.setTimeout(ask, delay);
      });
  }
  window.setTimeout(ask, delay);
}());
