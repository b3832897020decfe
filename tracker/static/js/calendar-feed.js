// The feed address: a Copy button (shown only when JavaScript runs), falling back to selecting the text.
(function () {
  "use strict";
  var button = document.getElementById("copy-feed-url");
  if (!button) { return; }
  var input = document.getElementById(button.dataset.copyTarget);
  var status = document.getElementById("copy-status");
  if (!input) { return; }

  function say(text) { if (status) { status.textContent = text; } }

  function selectIt() {
    input.focus();
    input.select();
    input.setSelectionRange(0, input.value.length);
  }

  function fallback() {
    selectIt();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
    say(copied ? "Copied." : "Selected: press Ctrl+C (or Cmd+C) to copy.");
  }

  input.addEventListener("focus", function () { input.select(); });
  button.hidden = false;
  button.addEventListener("click", function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () {
        selectIt();
        say("Copied.");
      }, fallback);
    } else {
      fallback();
    }
  });
}());
