// Check-in: the phone's position, and the station's QR code read by the camera when the
// browser can (BarcodeDetector); typing the code always works.
"use strict";

(function () {
  function fill(form, payload) {
    const parts = payload.split(":");
    if (parts[0] !== "civic-checkin" || parts.length < 3) { return false; }
    form.elements.station_id.value = parts[1];
    form.elements.code.value = parts.slice(2).join(":");
    return true;
  }

  function scan(form, button) {
    const video = document.getElementById("camera");
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      button.hidden = true;
      video.play();
      function stop() { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; }
      function look() {
        detector.detect(video).then(function (codes) {
          const hit = codes.find(function (c) { return fill(form, c.rawValue); });
          if (hit) { stop(); form.requestSubmit(); } else { window.requestAnimationFrame(look); }
        }).catch(function () { window.requestAnimationFrame(look); });
      }
      look();
    }).catch(function () { button.hidden = true; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.getElementById("checkin-form");
    if (!form) { return; }
    const where = document.getElementById("checkin-where");
    if (navigator.geolocation) {
      navigator.geolocation.getCurrentPosition(function (p) {
        form.elements.lat.value = p.coords.latitude.toFixed(6);
        form.elements.lng.value = p.coords.longitude.toFixed(6);
      }, function () { where.textContent = where.dataset.refused; },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    }
    const button = document.getElementById("scan");
    if ("BarcodeDetector" in window && navigator.mediaDevices) {
      button.hidden = false;
      button.addEventListener("click", function () { scan(form, button); });
    }
  });
})();
