// A station's rotating code on its wall screen: the QR image and the typed code are
// fetched again a little before the code expires, for as long as the page stays open.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const holder = document.getElementById("station-code");
  if (!holder) { return; }
  const image = document.getElementById("qr");
  const code = document.getElementById("code");
  const until = document.getElementById("until");

  function refresh() {
    fetch(holder.dataset.source, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (answer) {
        image.src = holder.dataset.image + "?v=" + encodeURIComponent(answer.code);
        // six digits to type, in two groups of three as people read them out
        code.textContent = answer.short_code.slice(0, 3) + " " + answer.short_code.slice(3);
        until.textContent = new Date(answer.expires_at).toLocaleTimeString();
        const wait = Math.max(5000, new Date(answer.expires_at).getTime() - Date.now() - 5000);
        window.setTimeout(refresh, Math.min(wait, 60000));
      })
      .catch(function () { window.setTimeout(refresh, 10000); });
  }
  refresh();
  const full = document.getElementById("fullscreen");
  if (!document.documentElement.requestFullscreen) { full.hidden = true; }
  full.addEventListener("click", function () {
    document.documentElement.requestFullscreen().then(function () { full.hidden = true; });
  });
  document.addEventListener("fullscreenchange", function () {
    full.hidden = !!document.fullscreenElement;
  });
});
