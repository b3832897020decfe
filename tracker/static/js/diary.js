// The diary: FullCalendar's column-per-specialist day and week over the server's day list.
// Times are the clinic's wall clock (the feed sends them without an offset; the calendar runs in UTC so the
// browser's own zone never shifts them). Clicking free time opens the booking form filled; dragging a block
// moves it through the same rules as the form, and a refusal puts it back with the reason.
(function () {
  "use strict";
  var el = document.getElementById("diary");
  if (!el || !window.FullCalendar) { return; }
  var settings = JSON.parse(el.dataset.settings);
  var status = document.getElementById("diary-status");
  var list = document.getElementById("diary-list");
  var phone = window.matchMedia("(max-width: 767.98px)").matches;
  var clock = { hour: "2-digit", minute: "2-digit", hour12: false };

  function say(message, ok, link) {
    status.textContent = "";
    var box = document.createElement("div");
    box.className = "alert py-2 mb-2 " + (ok ? "alert-success" : "alert-danger");
    box.setAttribute("data-testid", ok ? "diary-ok" : "diary-error");
    box.textContent = message;
    if (link) {
      box.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      box.appendChild(a);
    }
    status.appendChild(box);
  }

  function wallClock(date) {  // a calendar Date (UTC mode) as the clinic's date and time
    var iso = date.toISOString();
    return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
  }

  function slotQuery(info) {
    var at = wallClock(info.start);
    var minutes = Math.round((info.end - info.start) / 60000);
    var params = new URLSearchParams({ date: at.date, time: at.time,
      minutes: String(minutes <= 15 ? settings.minutes : minutes) });
    if (info.resource) { params.set("specialist", info.resource.id); }
    return params;
  }

  function book(info) {
    var params = slotQuery(info);
    if (settings.book) {
      window.location.assign(settings.book + "?" + params.toString());
      return;
    }
    var when = params.get("date").split("-").reverse().join("/") + " at " + params.get("time");
    var who = info.resource ? " with " + info.resource.title : "";
    if (settings.quickLog) {
      say("To book " + when + who + ": open the enquiry and choose Book consultation, or", true,
          { href: settings.quickLog + "?book_slot=" + encodeURIComponent(params.toString()),
            text: "log a new enquiry for this time." });
    } else {
      say("Free " + when + who + ".", true);
    }
  }

  function move(info) {
    var event = info.event;
    var url = event.extendedProps.move;
    if (!url) { info.revert(); return; }
    var at = wallClock(event.start);
    var body = new FormData();
    body.set("csrf_token", el.dataset.csrf);
    body.set("date", at.date);
    body.set("time", at.time);
    body.set("minutes", String(Math.round((event.end - event.start) / 60000)));
    body.set("version", String(event.extendedProps.version));
    var resources = event.getResources();
    if (resources.length) { body.set("specialist", resources[0].id); }
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok && data.ok, data: data }; });
      })
      .catch(function () { return { ok: false, data: { message: "The move could not be saved; reload the diary." } }; })
      .then(function (result) {
        if (!result.ok) { info.revert(); }
        say(result.data.message, result.ok);
        calendar.refetchEvents();
      });
  }

  var calendar = new FullCalendar.Calendar(el, {
    schedulerLicenseKey: "GPL-My-Project-Is-Open-Source",
    timeZone: "UTC",
    locale: "en-gb",
    initialView: "resourceTimeGridDay",
    initialDate: settings.date,
    firstDay: 1,
    headerToolbar: phone
      ? { left: "prev,next", center: "title", right: "today resourceTimeGridDay,resourceTimeGridWeek" }
      : { left: "prev,next today", center: "title", right: "resourceTimeGridDay,resourceTimeGridWeek" },
    buttonIcons: false,  // its icon font is a data: URL the page's policy does not load; words read better anyway
    buttonText: { prev: "Previous", next: "Next", today: "Today", resourceTimeGridDay: "Day",
                  resourceTimeGridWeek: "Week" },
    titleFormat: { weekday: phone ? "short" : "long", day: "numeric", month: "short", year: "numeric" },
    views: {
      resourceTimeGridWeek: { datesAboveResources: true, dayMinWidth: 90,
                              titleFormat: { day: "numeric", month: "short", year: "numeric" },
                              dayHeaderFormat: { weekday: "short", day: "numeric", month: "numeric" } },
      resourceTimeGridDay: { dayMinWidth: phone ? 110 : 0 }
    },
    resources: settings.resources,
    events: { url: settings.events, failure: function () { say("The diary could not be loaded; reload the page.", false); } },
    businessHours: settings.businessHours,
    slotMinTime: settings.slotMinTime,
    slotMaxTime: settings.slotMaxTime,
    slotDuration: "00:15:00",
    snapDuration: "00:05:00",
    slotLabelInterval: "01:00",
    slotLabelFormat: clock,
    eventTimeFormat: clock,
    scrollTime: "08:00:00",
    allDaySlot: false,
    nowIndicator: true,
    height: "auto",
    selectable: settings.editable,
    selectOverlap: false,
    selectMirror: true,
    editable: settings.editable,
    eventOverlap: false,
    eventResourceEditable: true,
    select: book,
    eventDrop: move,
    eventResize: move
  });
  // FullCalendar marks its layout tables as an ARIA grid but nests scrolling boxes between the grid and its rows,
  // which leaves the grid without rows for assistive technology. Its tables are laid out, not navigated as a
  // grid (each appointment is a link with its own words, and the day's list says the same), so they are
  // presented as layout; done again whenever the calendar draws new parts.
  var GRID_ROLES = "[role=grid], [role=rowgroup], [role=row], [role=gridcell], [role=columnheader]";
  function asLayout() {
    el.querySelectorAll("table").forEach(function (table) { table.setAttribute("role", "presentation"); });
    el.querySelectorAll(GRID_ROLES).forEach(function (node) {
      if (node.tagName !== "TABLE") { node.removeAttribute("role"); }
    });
    if (window.trackerReachable) { window.trackerReachable(el); }  // its scrolling panes, for the keyboard
  }
  new MutationObserver(asLayout).observe(el, { childList: true, subtree: true });
  calendar.render();
  asLayout();
  if (list) { list.hidden = true; }  // the calendar shows the day (and more); the list is for browsers without JS
})();
