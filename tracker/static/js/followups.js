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

  function fields(form) {
    // The call result (call-backs only) and the outcome, in the order they are shown.
    return ["call_result", "outcome"].map(function (name) { return form.elements[name]; })
      .filter(Boolean);
  }

  function showError(form, message, names) {
    var invalid = fields(form).filter(function (field) { return !names || names.indexOf(field.name) !== -1; });
    if (!invalid.length) { invalid = [form.elements.outcome]; }
    form.querySelector("[data-error]").textContent = message;
    invalid.forEach(function (field) {
      field.classList.add("is-invalid");
      field.setAttribute("aria-invalid", "true");
    });
    invalid[0].focus();
  }

  function clearError(form) {
    form.querySelector("[data-error]").textContent = "";
    fields(form).forEach(function (field) {
      field.classList.remove("is-invalid");
      field.removeAttribute("aria-invalid");
    });
  }

  function missing(form) {
    // What the server would refuse anyway, said before sending: field name → message.
    var errors = {};
    var call = form.elements.call_result;
    if (call && !call.value) { errors.call_result = ["Say whether you reached them."]; }
    if (!form.elements.outcome.value.trim()) { errors.outcome = ["Say what came of it."]; }
    return errors;
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
      fields(next.querySelector("form[data-inline-complete]"))[0].focus();
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
    var errors = missing(form);
    if (Object.keys(errors).length) {
      showError(form, firstMessage(errors), Object.keys(errors));
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
      showError(form, message || "That did not save; please try again.",
                result.data.errors ? Object.keys(result.data.errors) : null);
    }).catch(function () {
      button.disabled = false;
      showError(form, "The clinic tracker could not be reached; nothing was saved. Please try again.");
    });
  }

  Array.prototype.forEach.call(forms, function (form) { form.addEventListener("submit", complete); });
})();
