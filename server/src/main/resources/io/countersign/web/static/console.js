// Countersign console: expiry countdowns, and the CSRF token on every htmx request.
(function () {
  "use strict";
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-expires]").forEach(function (el) {
      var left = Math.floor((Date.parse(el.getAttribute("data-expires")) - now) / 1000);
      if (isNaN(left)) { return; }
      if (left <= 0) { el.textContent = "expired"; el.classList.add("late"); return; }
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      el.textContent = (h > 0 ? h + "h " : "") + pad(m) + "m " + pad(s) + "s";
      el.classList.toggle("soon", left < 300);
    });
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      if (!el.dataset.local) {
        var d = new Date(el.getAttribute("datetime"));
        if (!isNaN(d)) { el.title = el.getAttribute("datetime"); el.textContent = d.toLocaleString(); el.dataset.local = "1"; }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
  });
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = document.body.getAttribute("data-csrf");
  });
  document.addEventListener("htmx:afterSwap", tick);
})();
