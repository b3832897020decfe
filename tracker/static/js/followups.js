// My day: complete a follow-up in place. Without JavaScript the same form posts and the page reloads.
(function () {
  "use strict";
  var status = document.getElementById("my-day-status");
  var forms = document.querySelectorAll("form[data-inline-complete]");
  if (!status || !forms.length) { return; }

  function lower(element, selector) {
    // Counts shown as "500+" stopped at a cap: they cannot be counted down.
    var target = element && element.querySelector(selector);
    if (!target || !/^\d+$/.test(target.textContent.replace(/,/g, "").trim())) { return null; }
    var n = Math.max(0, parseInt(target.textContent.replace(/,/g, ""), 10) - 1);
    target.textContent = n.toLocaleString("en-GB");
    return n;
  }

  function firstMessage(errors) {
    var messages = [];
    Object.keys(errors || {}).forEach(function (name) {
      var value = errors[name];
      messages = messages.concat(Array.isArray(value) ? value : [value]);
    });
    return messages.join(" ");
  }

  function showError(form, message) {
    var input = form.elements.outcome;
    var box = form.querySelector("[data-error]");
    box.textContent = message;
    input.classList.add("is-invalid");
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }

  function clearError(form) {
    var input = form.elements.outcome;
    form.querySelector("[data-error]").textContent = "";
    input.classList.remove("is-invalid");
    input.removeAttribute("aria-invalid");
  }

  function removeRow(row) {
    var section = row.closest("[data-section]");
    var rows = Array.prototype.slice.call(section.querySelectorAll("tr[data-follow-up]"));
    var next = rows[rows.indexOf(row) + 1] || rows[rows.indexOf(row) - 1];
    row.remove();
    lower(section, "[data-section-count]");
    if (row.dataset.inBadge === "1") {
      var badge = document.getElementById("nav-count-followups-my_day");
      if (lower(badge, "[data-count]") === 0) { badge.hidden = true; }
    }
    if (next) {
      next.querySelector("input[name=outcome]").focus();
    } else {
      section.querySelector("table").closest(".table-responsive").remove();
      section.querySelector("[data-empty]").hidden = false;
      var heading = section.querySelector("h2");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  function complete(event) {
    var form = event.currentTarget;
    event.preventDefault();
    clearError(form);
    if (!form.elements.outcome.value.trim()) {
      showError(form, "Say what came of it.");
      return;
    }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (result) {
      var row = form.closest("tr");
      if (result.status === 200 && result.data.ok) {
        status.textContent = "Done: " + row.dataset.label + ".";
        removeRow(row);
        return;
      }
      button.disabled = false;
      var message = firstMessage(result.data.errors);
      if (result.status === 409) {  // someone else changed or closed it first
        message = "Not saved: " + (result.data.conflict || "someone else changed this follow-up") +
          ". Reload the page to see it as it is now.";
      }
      showError(form, message || "That did not save; please try again.");
    }).catch(function () {
      button.disabled = false;
      showError(form, "The clinic tracker could not be reached; nothing was saved. Please try again.");
    });
  }

  Array.prototype.forEach.call(forms, function (form) { form.addEventListener("submit", complete); });
})();
