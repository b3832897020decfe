// My day: "Done" opens the row beneath a follow-up (outcome, and the call's result for a call-back); it saves in
// place. Without JavaScript the same link opens the row by its #target, and the form posts and the page reloads.
(function () {
  "use strict";
  var status = document.getElementById("my-day-status");
  var openers = document.querySelectorAll("a[data-done]");
  if (!status || !openers.length) { return; }

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

  function formRow(opener) { return document.getElementById(opener.getAttribute("aria-controls")); }
  function openerOf(row) { return document.querySelector("a[data-done][aria-controls='" + row.id + "']"); }

  function setOpen(opener, open, focus) {
    var row = formRow(opener);
    row.classList.toggle("is-open", open);
    if (!open && row.matches(":target")) { history.replaceState(null, "", location.pathname + location.search); }
    opener.setAttribute("aria-expanded", open ? "true" : "false");
    if (open && focus) { fields(row.querySelector("form"))[0].focus(); }
    if (!open && focus) { opener.focus(); }
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
    // Take the follow-up's line and its completion row away; focus the next follow-up's Done (or the heading).
    var section = row.closest("[data-section]");
    var rows = Array.prototype.slice.call(section.querySelectorAll("tr[data-follow-up]"));
    var next = rows[rows.indexOf(row) + 1] || rows[rows.indexOf(row) - 1];
    var completeRow = document.getElementById("complete-" + row.id.replace("follow-up-", ""));
    if (completeRow) { completeRow.remove(); }
    row.remove();
    lower(section, "[data-section-count]");
    if (row.dataset.inBadge === "1") {
      var badge = document.getElementById("nav-count-followups-my_day");
      if (lower(badge, "[data-count]") === 0) { badge.hidden = true; }
    }
    if (next) {
      next.querySelector("a[data-done]").focus();
    } else {
      section.querySelector("table[data-rows]").remove();
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
      var row = document.getElementById(form.closest("tr").id.replace("complete-", "follow-up-"));
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

  Array.prototype.forEach.call(openers, function (opener) {
    // A disclosure button: Enter or Space opens the row and puts the cursor in its first field.
    opener.setAttribute("role", "button");
    opener.setAttribute("aria-expanded", formRow(opener).matches(":target") ? "true" : "false");
    if (opener.getAttribute("aria-expanded") === "true") { formRow(opener).classList.add("is-open"); }
    opener.addEventListener("click", function (event) {
      event.preventDefault();
      setOpen(opener, opener.getAttribute("aria-expanded") !== "true", true);
    });
    opener.addEventListener("keydown", function (event) {
      if (event.key === " ") {
        event.preventDefault();
        opener.click();
      }
    });
    var form = formRow(opener).querySelector("form");
    form.addEventListener("submit", complete);
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { setOpen(openerOf(formRow(opener)), false, true); }
    });
  });
})();
