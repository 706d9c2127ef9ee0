// The hours queue: tick all, and show progress while many entries are approved.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("hours-queue");
  if (!form) { return; }
  const all = document.getElementById("tick-all");
  all.addEventListener("change", function () {
    form.querySelectorAll('input[name="ids"]').forEach(function (box) { box.checked = all.checked; });
  });
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.id === "approve") {
      const ticked = form.querySelectorAll('input[name="ids"]:checked').length;
      document.getElementById("queue-progress").textContent = form.dataset.progress + " (" + ticked + ")";
      event.submitter.disabled = true;
      // a disabled button is not sent; the form still is
    }
  });
});
