// The CSV export: the button becomes a spinner and the rows are counted while the file
// streams in; then the browser saves it. Without script the form is a plain download.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const form = document.getElementById("export");
  if (!form || !window.fetch || !window.ReadableStream) { return; }
  const button = document.getElementById("export-button");
  const progress = document.getElementById("export-progress");
  const label = button.querySelector(".label");

  function busy(on) {
    button.disabled = on;
    button.setAttribute("aria-busy", on ? "true" : "false");
    const spinner = button.querySelector(".spinner");
    if (on && !spinner) {
      const span = document.createElement("span");
      span.className = "spinner";
      span.setAttribute("aria-hidden", "true");
      button.insertBefore(span, label);
    } else if (!on && spinner) {
      spinner.remove();
    }
  }

  function save(blob, response) {
    const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = match ? match[1] : "export.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
  }

  async function download(url) {
    const response = await fetch(url, { credentials: "same-origin", redirect: "manual" });
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok || type.indexOf("text/csv") !== 0) {
      window.location.assign(url);  // the page shows why (an error next to the field)
      return;
    }
    const reader = response.body.getReader();
    const parts = [];
    let lines = 0;
    for (;;) {
      const next = await reader.read();
      if (next.done) { break; }
      parts.push(next.value);
      for (let i = 0; i < next.value.length; i += 1) { if (next.value[i] === 10) { lines += 1; } }
      progress.textContent = form.dataset.rows.replace("{0}", Math.max(0, lines - 1));
    }
    save(new Blob(parts, { type: "text/csv" }), response);
    progress.textContent = form.dataset.done.replace("{0}", Math.max(0, lines - 1));
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const url = form.action + "?" + new URLSearchParams(new FormData(form)).toString();
    busy(true);
    download(url).catch(function () {
      progress.textContent = form.dataset.failed;
    }).finally(function () { busy(false); });
  });
});
