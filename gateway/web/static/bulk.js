// An activity's attendance: approve the ticked entries one by one, with a progress bar
// and each entry's result beside it. Without script the form approves them all at once.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("attendance");
  if (!form || !window.fetch) { return; }
  const all = document.getElementById("tick-all");
  const boxes = function () { return form.querySelectorAll('input[name="ids"]'); };
  all.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
  });
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const bar = document.getElementById("bulk-bar");
  const count = document.getElementById("bulk-count");
  const button = document.getElementById("approve-all");

  function show(id, ok, text) {
    const cell = form.querySelector('.result[data-for="' + id + '"]');
    cell.textContent = text;
    cell.className = "result " + (ok ? "result-ok" : "result-fail");
  }

  async function approve(id) {
    const url = form.dataset.one.replace("00000000-0000-0000-0000-000000000000", id);
    try {
      const response = await fetch(url, {
        method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": token },
      });
      const body = await response.json();
      show(id, body.ok, body.detail);
      return body.ok;
    } catch (error) {
      show(id, false, form.dataset.network);
      return false;
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const ids = Array.from(boxes()).filter(function (b) { return b.checked; })
      .map(function (b) { return b.value; });
    if (!ids.length) { return; }
    button.disabled = true;
    document.getElementById("bulk-progress").hidden = false;
    bar.max = ids.length;
    for (let i = 0; i < ids.length; i += 1) {
      const ok = await approve(ids[i]);
      const box = form.querySelector('input[name="ids"][value="' + ids[i] + '"]');
      box.checked = !ok;  // a failure stays ticked, to try again
      bar.value = i + 1;
      count.textContent = form.dataset.progress.replace("{0}", i + 1).replace("{1}", ids.length);
    }
    button.disabled = false;
  });
});
