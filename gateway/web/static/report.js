// The report form: position from the phone (or the fallback), then queue and send.
"use strict";

(function () {
  function uuid4() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function locate(form) {
    const status = document.getElementById("where-status");
    const fallback = document.getElementById("fallback");
    function refused() {
      status.textContent = status.dataset.refused;
      fallback.hidden = false;
    }
    if (fallback.hasAttribute("data-hidden-until-needed")) { fallback.hidden = true; }
    if (!navigator.geolocation) { refused(); return; }
    status.textContent = status.dataset.locating;
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.lat.value = position.coords.latitude.toFixed(6);
      form.elements.lng.value = position.coords.longitude.toFixed(6);
      status.textContent = status.dataset.found.replace("{m}", Math.round(position.coords.accuracy));
    }, refused, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }

  function showErrors(form, answer) {
    const status = document.getElementById("form-status");
    status.textContent = answer.detail || "";
    status.className = "error";
    Object.keys(answer.errors || {}).forEach(function (name) {
      const input = form.elements[name];
      if (input && input.setAttribute) { input.setAttribute("aria-invalid", "true"); }
    });
  }

  function itemOf(form) {
    const fields = {};
    ["category", "description", "lat", "lng", "place", "address", "idempotency_key", "observed_at"]
      .forEach(function (name) { fields[name] = form.elements[name] ? form.elements[name].value : ""; });
    const checked = form.querySelector('input[name="category"]:checked');
    const photo = form.elements.photo.files[0] || null;
    return {
      key: fields.idempotency_key, action: form.action || window.location.pathname, fields: fields,
      user: document.body.dataset.user,
      label: checked ? checked.nextElementSibling.textContent : "",
      photo: photo, photoName: photo ? photo.name : null,
    };
  }

  function submit(event) {
    const form = event.target;
    event.preventDefault();
    const status = document.getElementById("form-status");
    if (!form.querySelector('input[name="category"]:checked')) {
      form.querySelector('input[name="category"]').focus();
      return;
    }
    form.elements.observed_at.value = form.elements.observed_at.value || new Date().toISOString();
    const item = itemOf(form);
    const button = document.getElementById("send");
    button.disabled = true;
    status.className = "hint";
    status.textContent = form.dataset.sending;
    window.civicQueue.queue.put(item).then(function () {
      return window.civicQueue.send(item);
    }).then(function (result) {
      if (result.sent) {
        return window.civicQueue.queue.remove(item.key).then(function () {
          window.location.assign(result.answer.url);
        });
      }
      if (!result.keep) {
        return window.civicQueue.queue.remove(item.key).then(function () { showErrors(form, result.answer); });
      }
      throw new Error("kept");
    }).catch(function () {
      status.className = "flash";
      status.textContent = form.dataset.saved;
      form.reset();
      form.elements.idempotency_key.value = uuid4();
      form.elements.observed_at.value = "";
      document.getElementById("photo-label").textContent = document.getElementById("photo-label").dataset.empty;
      locate(form);
      return window.civicQueue.showWaiting();
    }).then(function () { button.disabled = false; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.getElementById("report-form");
    if (!form) { return; }
    const label = document.getElementById("photo-label");
    label.dataset.empty = label.textContent;
    form.elements.photo.addEventListener("change", function () {
      const file = form.elements.photo.files[0];
      label.textContent = file ? "✓ " + file.name : label.dataset.empty;
    });
    form.addEventListener("submit", submit);
    locate(form);
    window.civicQueue.showWaiting();
  });
})();
