// The pipeline board: drag a card onto another column to move it. Each card's form is the primary
// control and works without JavaScript; a drop only fills it in: another column submits it, Lost
// opens it with the reason to choose, since losing an enquiry needs one.
(function () {
  "use strict";
  var board = document.querySelector("[data-board]");
  if (!board) { return; }
  var lost = board.querySelector("[data-column=lost]");
  if (lost) { lost.hidden = false; }
  var dragged = null;

  function submitTo(card, stage) {
    // A fresh form with the card's hidden fields and the target stage: the server decides, and a
    // move it refuses (one another step owns) comes back with its reason, as from the form.
    var source = card.querySelector("form[data-move-form]");
    var form = document.createElement("form");
    form.method = "post";
    form.action = source.action;
    source.querySelectorAll("input[type=hidden]").forEach(function (input) {
      form.appendChild(input.cloneNode());
    });
    var target = document.createElement("input");
    target.type = "hidden";
    target.name = "to_stage";
    target.value = stage;
    form.appendChild(target);
    form.hidden = true;
    document.body.appendChild(form);
    form.submit();
  }

  function askWhyLost(card) {
    var details = card.querySelector("details[data-move]");
    var form = details.querySelector("form");
    details.open = true;
    form.elements.to_stage.value = "lost";
    form.elements.lost_reason_id.focus();
  }

  board.querySelectorAll("[data-card]").forEach(function (card) {
    if (!card.querySelector("form[data-move-form]")) { return; }
    card.draggable = true;
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      card.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.enquiryId);
    });
    card.addEventListener("dragend", function () {
      card.classList.remove("is-dragging");
      dragged = null;
      board.querySelectorAll(".is-target").forEach(function (c) { c.classList.remove("is-target"); });
    });
  });

  board.querySelectorAll("[data-column]").forEach(function (column) {
    function accepts() { return dragged && dragged.dataset.stage !== column.dataset.column; }
    column.addEventListener("dragover", function (event) {
      if (!accepts()) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      column.classList.add("is-target");
    });
    column.addEventListener("dragleave", function (event) {
      if (!column.contains(event.relatedTarget)) { column.classList.remove("is-target"); }
    });
    column.addEventListener("drop", function (event) {
      if (!accepts()) { return; }
      event.preventDefault();
      column.classList.remove("is-target");
      var card = dragged;
      if (column.dataset.column === "lost") {
        askWhyLost(card);
      } else {
        submitTo(card, column.dataset.column);
      }
    });
  });
}());
