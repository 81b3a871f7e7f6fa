/* Live updates. Follows the member's stream of acts (server-sent events from
   /live/events) while the page is open: each act shows a short notice, and the parts
   of the page marked live in base.html are refreshed by htmx without a reload. The
   words shown come from the page, in the member's language. */
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !("EventSource" in window)) return;
  var toast = document.getElementById("live-toast");
  var status = document.getElementById("live-status");
  var types = (live.getAttribute("data-types") || "").split(",").filter(Boolean);
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  var last = live.getAttribute("data-after") || "";
  var source = null;
  var retryTimer = null;
  var hiddenTimer = null;
  var refreshTimer = null;
  var retryDelay = 5000;
  var unseen = 0;

  function open() {
    if (source || retryTimer) return;
    var url = live.getAttribute("data-url");
    source = new EventSource(last === "" ? url : url + "?after=" + encodeURIComponent(last));
    live.setAttribute("data-state", "connecting");
    source.addEventListener("open", function () {
      retryDelay = 5000;
      live.setAttribute("data-state", "open");
    });
    source.addEventListener("act", onAct);
    source.addEventListener("error", function () {
      live.setAttribute("data-state", "connecting");
      // The browser reconnects by itself, unless the server refused the stream.
      if (source && source.readyState === EventSource.CLOSED) {
        close();
        retryTimer = setTimeout(function () { retryTimer = null; open(); }, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 120000);
      }
    });
  }

  function close() {
    if (source) { source.close(); source = null; }
    live.setAttribute("data-state", "closed");
  }

  function onAct(event) {
    var act;
    try { act = JSON.parse(event.data); } catch (e) { return; }
    last = String(act.seq);
    notify(act);
    var wanted = !types.length || types.some(function (t) { return act.type.indexOf(t) === 0; });
    if (wanted && live.getAttribute("hx-select-oob")) {
      // One refresh for a burst of acts: the live regions listen for this event.
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(function () {
        document.body.dispatchEvent(new CustomEvent("concord:act"));
      }, 300);
    }
  }

  function notify(act) {
    var text = toast.getAttribute("data-message")
      .replace("{summary}", function () { return act.summary; })
      .replace("{actor}", function () { return act.actor; });
    unseen = toast.hidden ? 1 : unseen + 1;
    toast.querySelector("[data-live-text]").textContent = text;
    toast.querySelector("[data-live-more]").textContent =
      unseen > 1 ? "+" + numbers.format(unseen - 1) : "";
    toast.querySelector("[data-live-link]").setAttribute("href", act.url);
    toast.hidden = false;
    status.textContent = text;
  }

  toast.querySelector("[data-live-close]").addEventListener("click", function () {
    toast.hidden = true;
    unseen = 0;
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !toast.hidden) { toast.hidden = true; unseen = 0; }
  });
  document.addEventListener("visibilitychange", function () {
    clearTimeout(hiddenTimer);
    if (document.hidden) {
      // A tab left in the background gives its connection back (browsers allow only
      // a few per host over HTTP/1.1); it resumes where it left off when shown again.
      hiddenTimer = setTimeout(close, 60000);
    } else {
      open();
    }
  });
  window.addEventListener("pagehide", close);
  open();
})();
