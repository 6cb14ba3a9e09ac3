// The practice's own script. Loaded from 'self' only (strict Content-Security-Policy).
(function () {
  "use strict";

  // --- Unsaved text ------------------------------------------------------------------
  // Forms marked data-warn-unsaved ask before the page is left with changes in them.
  // Typing is activity: while someone writes, tell the server at most once a minute,
  // so a long note is not lost to the idle timeout.
  var keepaliveUrl = document.body.getAttribute("data-keepalive-url");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var lastPing = Date.now();
  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    var dirty = false;
    form.addEventListener("input", function () {
      dirty = true;
      if (keepaliveUrl && Date.now() - lastPing > 60000) {
        lastPing = Date.now();
        fetch(keepaliveUrl, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf ? csrf.value : "" } });
      }
    });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (e) {
      if (dirty) { e.preventDefault(); e.returnValue = ""; }
    });
  });
})();

(function () {
  "use strict";

  // --- Idle timeout warning --------------------------------------------------------
  // The server ends a session after data-idle-timeout seconds without a request. A
  // minute before, show a dialog; "Stay signed in" makes a request that counts as
  // activity. Before warning, ask the server how long is left: another tab may have
  // been used meanwhile (that request does not itself count as activity).
  var body = document.body;
  var timeout = parseInt(body.getAttribute("data-idle-timeout") || "0", 10);
  if (!timeout) return;
  var warning = parseInt(body.getAttribute("data-idle-warning") || "60", 10);
  var statusUrl = body.getAttribute("data-status-url");
  var keepaliveUrl = body.getAttribute("data-keepalive-url");
  var logoutUrl = body.getAttribute("data-logout-url");
  var dialog = document.getElementById("idle-warning");
  var secondsEl = document.getElementById("idle-seconds");
  var stay = document.getElementById("idle-stay");
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  var timer = null;
  var ticker = null;
  var deadline = 0;

  function schedule(remaining) {
    clearTimeout(timer);
    deadline = Date.now() + remaining * 1000;
    timer = setTimeout(check, Math.max(0, (remaining - warning) * 1000));
  }

  function check() {
    fetch(statusUrl, { headers: { "X-Session-Passive": "1" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { remaining: 0 }; })
      .then(function (data) {
        if (data.remaining > warning + 5) { schedule(data.remaining); return; }
        deadline = Date.now() + data.remaining * 1000;
        show();
      })
      .catch(function () { deadline = Date.now() + warning * 1000; show(); });
  }

  function show() {
    dialog.hidden = false;
    stay.focus();
    clearInterval(ticker);
    function tick() {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      secondsEl.textContent = String(left);
      if (left <= 0) {
        clearInterval(ticker);
        signOut();
      }
    }
    tick();
    ticker = setInterval(tick, 1000);
  }

  // Time is up: sign out now rather than leave the page on screen. (The server ends
  // the session on its own as well; this only makes the screen follow at once.)
  function signOut() {
    var form = document.createElement("form");
    form.method = "post";
    form.action = logoutUrl;
    [["csrfmiddlewaretoken", csrf ? csrf.value : ""], ["reason", "idle"]].forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  stay.addEventListener("click", function () {
    fetch(keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "" }
    }).then(function (r) {
      if (!r.ok) { window.location.reload(); return; }
      dialog.hidden = true;
      clearInterval(ticker);
      schedule(timeout);
    });
  });

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !dialog.hidden) { stay.click(); }
  });

  schedule(timeout);
})();
