// Comfort only: the quiz works without JavaScript. Countdown, autosave, and a warning
// before leaving a page with unsaved answers.
(function () {
  "use strict";
  var form = document.querySelector("form.quiz-form");
  if (!form) { return; }
  var dirty = false;
  var submitting = false;

  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("submit", function (event) {
    if (submitting) { event.preventDefault(); return; } // a second click does nothing
    submitting = true;
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) { event.preventDefault(); event.returnValue = ""; }
  });

  function autosave() {
    if (!dirty || submitting) { return; }
    var data = new FormData(form);
    data.set("action", "save");
    fetch(form.getAttribute("data-autosave"), {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-Autosave": "1" }
    }).then(function (response) { if (response.status === 204) { dirty = false; } }).catch(function () {});
  }
  window.setInterval(autosave, 30000);

  var deadline = document.getElementById("deadline");
  if (deadline) {
    var end = Date.parse(deadline.getAttribute("data-deadline"));
    var live = document.createElement("p");
    live.className = "timer";
    live.setAttribute("role", "timer");
    live.setAttribute("aria-live", "off");
    deadline.parentNode.insertAdjacentElement("afterend", live);
    var tick = function () {
      var left = Math.max(0, Math.floor((end - Date.now()) / 1000));
      var minutes = Math.floor(left / 60), seconds = left % 60;
      live.textContent = (document.documentElement.lang === "fr" ? "Temps restant : " : "Time left: ") +
        minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (left === 60) { live.setAttribute("aria-live", "assertive"); }
      if (left === 0) { autosave(); }
    };
    tick();
    window.setInterval(tick, 1000);
  }
})();
