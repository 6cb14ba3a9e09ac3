// Emergency access banner: counts down the time left of each running emergency access.
// The server decides (records.selectors compare expires_at with the clock); this only
// keeps the banner honest between page loads, and reloads the page when time is up so
// the chart leaves the screen.
(function () {
  "use strict";
  var banners = document.querySelectorAll("[data-emergency-remaining]");
  if (!banners.length) return;
  var start = Date.now();

  function format(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function tick() {
    var expired = false;
    banners.forEach(function (banner) {
      var total = parseInt(banner.getAttribute("data-emergency-remaining"), 10) || 0;
      var left = Math.max(0, total - Math.floor((Date.now() - start) / 1000));
      var out = banner.querySelector(".emergency-countdown");
      if (out) out.textContent = left > 0 ? format(left) : "expired";
      if (left <= 0) expired = true;
    });
    if (expired) {
      clearInterval(timer);
      window.location.reload();
    }
  }

  var timer = setInterval(tick, 1000);
  tick();
})();
