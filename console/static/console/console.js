// Continuity console: live durations, overview refresh, confirmations. No build step.
(function () {
  "use strict";

  // The server's clock, so durations do not depend on the viewer's clock being right.
  var offset = 0;
  function syncClock(iso) {
    var server = Date.parse(iso || "");
    if (!isNaN(server)) offset = server - Date.now();
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
    var m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    if (d) return d + " d " + h + " h";
    if (h) return h + " h " + (m < 10 ? "0" : "") + m + " min";
    if (m) return m + " min";
    return s + " s";
  }

  function tick() {
    var now = Date.now() + offset;
    document.querySelectorAll("[data-since]").forEach(function (el) {
      var since = Date.parse(el.getAttribute("data-since"));
      if (!isNaN(since)) el.textContent = duration((now - since) / 1000);
    });
  }

  function startRefresh(root) {
    var url = root.getAttribute("data-refresh-url");
    var every = (parseInt(root.getAttribute("data-refresh-seconds"), 10) || 15) * 1000;
    var busy = false;
    function refresh() {
      if (busy || document.hidden) return;
      busy = true;
      fetch(url + window.location.search, {
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
        cache: "no-store",
      })
        .then(function (response) {
          // A redirect means the session expired: reload to reach the login page.
          if (response.redirected) { window.location.reload(); return null; }
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (html) {
          if (html === null) return;
          root.innerHTML = html;
          var meta = root.querySelector("[data-now]");
          if (meta) syncClock(meta.getAttribute("data-now"));
          tick();
          root.dispatchEvent(new CustomEvent("console:refreshed", { bubbles: true }));
        })
        .catch(function () {
          var meta = root.querySelector(".refresh-meta");
          if (meta) {
            meta.classList.add("stale");
            var note = meta.querySelector(".stale-note");
            if (note) note.hidden = false;
          }
        })
        .finally(function () { busy = false; });
    }
    setInterval(refresh, every);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  }

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    syncClock(document.body.getAttribute("data-server-now"));
    tick();
    setInterval(tick, 1000);
    var root = document.querySelector("[data-refresh-url]");
    if (root) startRefresh(root);
  });
})();
