// The service worker: pages open without signal from the last copy seen.
// Every GET goes to the network first and falls back to the last copy. Writes (POST) are never touched: the
// page's queue (app.js) sends them when the signal returns.
"use strict";

const CACHE = "civic-points-v1";
const SHELL = ["/assets/app.css", "/assets/app.js", "/assets/report.js"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) { return; }
  // network first, the last copy when there is no signal (never an old page when online)
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && response.type === "basic") {
      const copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) {
      return hit || (request.mode === "navigate" ? caches.match("/reports/new") : Response.error());
    });
  }));
});
