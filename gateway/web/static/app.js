// Every page: the service worker, and the phone's queue of reports waiting for signal.
// A report is written to IndexedDB before it is sent; it leaves the queue only when the
// server has answered it (sent, or refused for good). The form's Idempotency-Key makes a
// resend of a report the server already has the same report, never a second one.
"use strict";

(function () {
  const DB_NAME = "civic-points";
  const STORE = "waiting-reports";

  function openDb() {
    return new Promise(function (resolve, reject) {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        const tx = db.transaction(STORE, mode);
        const result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && result.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  const queue = {
    put: function (item) { return withStore("readwrite", function (s) { return s.put(item); }); },
    all: function () { return withStore("readonly", function (s) { return s.getAll(); }); },
    remove: function (key) { return withStore("readwrite", function (s) { return s.delete(key); }); },
  };

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // send one queued report; resolves to {sent, answer} or rejects when there is no signal
  function send(item) {
    const body = new FormData();
    Object.keys(item.fields).forEach(function (name) { body.append(name, item.fields[name]); });
    body.set("csrf_token", csrfToken());
    if (item.photo) { body.append("photo", item.photo, item.photoName || "photo.jpg"); }
    return fetch(item.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrfToken() },
    }).then(function (response) {
      const type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        return { sent: false, keep: true, answer: null };  // signed out: keep it for later
      }
      return response.json().then(function (answer) {
        const keep = !answer.ok && response.status >= 500;
        return { sent: !!answer.ok, keep: keep, answer: answer };
      });
    });
  }

  function mine(item) { return item.user === document.body.dataset.user; }

  let flushing = null;
  function flush() {
    if (flushing) { return flushing; }
    flushing = queue.all().then(function (items) {
      // a shared phone: only the signed-in rider's own reports are sent under their name
      return items.filter(mine).reduce(function (chain, item) {
        return chain.then(function () {
          return send(item).then(function (result) {
            if (!result.keep) { return queue.remove(item.key); }
            return null;
          });
        });
      }, Promise.resolve());
    }).catch(function () { /* no signal yet: they stay queued */ })
      .then(function () { flushing = null; return showWaiting(); });
    return flushing;
  }

  function showWaiting() {
    const section = document.getElementById("waiting");
    const list = document.getElementById("waiting-list");
    if (!section || !list) { return Promise.resolve(); }
    return queue.all().then(function (all) {
      const items = all.filter(mine);
      list.textContent = "";
      items.forEach(function (item) {
        const li = document.createElement("li");
        const text = document.createElement("span");
        text.textContent = (item.label || "") + " · " + new Date(item.fields.observed_at).toLocaleString();
        const state = document.createElement("span");
        state.className = "state state-waiting";
        state.textContent = section.querySelector("h2").textContent;
        li.append(text, state);
        li.dataset.key = item.key;
        list.append(li);
      });
      section.hidden = items.length === 0;
    });
  }

  window.civicQueue = { queue: queue, send: send, flush: flush, showWaiting: showWaiting };

  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", function () {
    if (document.body.dataset.signedIn === "yes" && "indexedDB" in window) { flush(); }
    if (document.body.dataset.signedIn !== "yes" && "caches" in window) {
      // signed out: no copy of anyone's pages stays on a shared phone
      caches.keys().then(function (keys) { keys.forEach(function (k) { caches.delete(k); }); });
    }
    if ("serviceWorker" in navigator && window.isSecureContext) {
      navigator.serviceWorker.register("/sw.js").catch(function () { /* pages work without */ });
    }
  });
})();
