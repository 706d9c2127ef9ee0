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
      showNearby(form);
    }, refused, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }

  // "Me too": follow the report instead of filing the same hazard again. Not a form of its
  // own: it would sit inside the report form, and nested forms are not HTML (a browser
  // may send the report form, or nothing). The answer is a redirect whose flash says how
  // it went; it is not followed here, so the flash is still there for "my reports".
  function follow(section, form, item, button) {
    const body = new FormData();
    body.append("csrf_token", form.elements.csrf_token.value);
    button.disabled = true;
    fetch(item.follow_url, { method: "POST", body: body, credentials: "same-origin", redirect: "manual" })
      .then(function () { window.location.assign(section.dataset.mine); })
      .catch(function () {
        button.disabled = false;
        const status = document.getElementById("form-status");
        status.className = "error";
        status.textContent = section.dataset.offline;
      });
  }

  // open reports of the chosen kind near the position, each with its "Me too"
  function nearbyRow(section, form, item) {
    const row = document.createElement("li");
    const what = document.createElement("span");
    const said = [section.dataset.metres.replace("{m}", item.distance_m)];
    if (item.address) { said.unshift(item.address); }
    if (item.followers) { said.push(section.dataset.followers.replace("{n}", item.followers)); }
    what.textContent = said.join(" · ");
    row.appendChild(what);
    if (item.mine || item.following) {
      const note = document.createElement("span");
      note.textContent = item.mine ? section.dataset.yours : section.dataset.following;
      row.appendChild(note);
      return row;
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = section.dataset.meToo;
    button.addEventListener("click", function () { follow(section, form, item, button); });
    row.appendChild(button);
    return row;
  }

  function showNearby(form) {
    const section = document.getElementById("nearby");
    const checked = form.querySelector('input[name="category"]:checked');
    const lat = form.elements.lat.value;
    const lng = form.elements.lng.value;
    if (!section || !checked || !lat || !lng) { if (section) { section.hidden = true; } return; }
    const query = new URLSearchParams({ lat: lat, lng: lng, category: checked.value });
    fetch(section.dataset.url + "?" + query.toString(), { headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : { items: [] }; })
      .then(function (body) {
        const list = document.getElementById("nearby-list");
        list.replaceChildren.apply(list, body.items.map(function (item) { return nearbyRow(section, form, item); }));
        section.hidden = body.items.length === 0;
      })
      .catch(function () { section.hidden = true; });
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
    form.querySelectorAll('input[name="category"]').forEach(function (choice) {
      choice.addEventListener("change", function () { showNearby(form); });
    });
    locate(form);
    window.civicQueue.showWaiting();
  });
})();
