/* The moderation queue at keyboard speed. Progressive enhancement: every action is an ordinary
   POST form that works without JavaScript; this script sends the same forms with fetch, updates
   the item in place and moves to the next one, and adds the shortcuts listed on the page. */
(function () {
  "use strict";

  var list, status, current = null, choosing = null;

  function items() {
    return Array.prototype.slice.call(list.querySelectorAll(".queue-item:not(.done)"));
  }

  function say(message, isError) {
    if (!status) return;
    status.textContent = message;
    status.classList.toggle("error", Boolean(isError));
  }

  function setCurrent(item, focus) {
    if (current && current !== item) {
      current.classList.remove("current");
      current.removeAttribute("aria-current");
    }
    current = item;
    if (!item) return;
    item.classList.add("current");
    item.setAttribute("aria-current", "true");
    if (focus) {
      item.focus({ preventScroll: true });
      item.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    var all = items();
    if (!all.length) return;
    var at = all.indexOf(current);
    var next = at < 0 ? 0 : Math.min(all.length - 1, Math.max(0, at + step));
    setCurrent(all[next], true);
  }

  // After an item is handled: the next one below it, else the one above, else nothing.
  function moveOnFrom(item) {
    var all = Array.prototype.slice.call(list.querySelectorAll(".queue-item"));
    var at = all.indexOf(item), i;
    for (i = at + 1; i < all.length; i++) {
      if (!all[i].classList.contains("done")) { setCurrent(all[i], true); return; }
    }
    for (i = at - 1; i >= 0; i--) {
      if (!all[i].classList.contains("done")) { setCurrent(all[i], true); return; }
    }
    setCurrent(null);
    say(status.textContent + " Nothing left on this page.");
  }

  function decrementCounts(by) {
    var counts = document.querySelectorAll("h1 .count, .mod-nav a[aria-current] .count");
    Array.prototype.forEach.call(counts, function (el) {
      var n = parseInt(el.textContent, 10);
      if (!isNaN(n)) el.textContent = String(Math.max(0, n - by));
    });
  }

  function markDone(item, message, statusLabel) {
    item.classList.add("done");
    var state = item.querySelector(".status");
    if (state && statusLabel) state.textContent = statusLabel;
    item.classList.remove("current");
    item.removeAttribute("aria-current");
    var box = item.querySelector('input[name="ids"]');
    if (box) { box.checked = false; box.disabled = true; }
    var ban = item.querySelector("details.ban");
    if (ban) ban.open = false;
    var outcome = document.createElement("p");
    outcome.className = "outcome";
    outcome.textContent = message;
    item.querySelector("article").appendChild(outcome);
  }

  function post(form) {
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") < 0) {
        throw new Error("The server answered " + response.status +
          " instead of doing that. Reload the page (you may need to sign in again).");
      }
      return response.json().then(function (body) {
        if (!response.ok || !body.ok) throw new Error(body.error || "That did not work.");
        return body;
      });
    });
  }

  function send(form, item) {
    item.classList.add("busy");
    return post(form).then(function (body) {
      item.classList.remove("busy");
      markDone(item, body.message, body.status_label);
      say(body.message);
      decrementCounts(1);
      if (item === current) moveOnFrom(item);
    }, function (error) {
      item.classList.remove("busy");
      say(error.message, true);
    });
  }

  function sendBulk(form) {
    return post(form).then(function (body) {
      var done = 0;
      (body.done || []).forEach(function (pk) {
        var item = document.getElementById("item-" + pk);
        if (item && !item.classList.contains("done")) { markDone(item, body.message); done++; }
      });
      say(body.message);
      decrementCounts(done);
      if (current && current.classList.contains("done")) moveOnFrom(current);
    }, function (error) { say(error.message, true); });
  }

  function actionForm(item, action) {
    return item && item.querySelector('form[data-action="' + action + '"]');
  }

  function startRemove(item) {
    var form = actionForm(item, "remove");
    if (!form) { say("Remove is not offered on this tab.", true); return; }
    choosing = form;
    form.classList.add("choosing");
    var keys = form.querySelector(".reason-keys");
    if (keys) keys.hidden = false;
    say("Remove why? " + (keys ? keys.textContent : "Press a digit; Esc cancels."));
  }

  function stopRemove() {
    if (!choosing) return;
    choosing.classList.remove("choosing");
    var keys = choosing.querySelector(".reason-keys");
    if (keys) keys.hidden = true;
    choosing = null;
  }

  function isTyping(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || Boolean(target && target.isContentEditable);
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var key = event.key;
    if (choosing) {
      var select = choosing.querySelector("select");
      var n = parseInt(key, 10);
      if (key === "Escape") { stopRemove(); say("Not removed."); event.preventDefault(); return; }
      if (!isNaN(n) && n >= 1 && select && n <= select.options.length) {
        event.preventDefault();
        var form = choosing, item = form.closest(".queue-item");
        select.selectedIndex = n - 1;
        stopRemove();
        send(form, item);
      }
      return;
    }
    if (key === "Escape") {
      var open = event.target.closest && event.target.closest("details.ban[open]");
      if (open) { open.open = false; setCurrent(open.closest(".queue-item"), true); event.preventDefault(); }
      return;
    }
    if (isTyping(event.target)) return;
    var handled = true;
    switch (key) {
      case "j": case "ArrowDown": move(1); break;
      case "k": case "ArrowUp": move(-1); break;
      case "?": toggleHelp(); break;
      default: handled = current ? onItemKey(key, current) : false;
    }
    if (handled) event.preventDefault();
  }

  function onItemKey(key, item) {
    var form;
    switch (key) {
      case "a": case "s": case "d":
        form = actionForm(item, { a: "approve", s: "spam", d: "dismiss" }[key]);
        if (form) send(form, item); else say("That action is not offered on this tab.", true);
        return true;
      case "r": startRemove(item); return true;
      case "b": {
        var ban = item.querySelector("details.ban");
        if (!ban) { say("Ban is not offered here.", true); return true; }
        ban.open = true;
        ban.querySelector("select").focus();
        return true;
      }
      case "x": {
        var box = item.querySelector('input[name="ids"]');
        if (box && !box.disabled) box.checked = !box.checked;
        return true;
      }
      case "o": {
        var link = item.querySelector("a.post-link");
        if (link) window.location.assign(link.href);
        return true;
      }
      default: return false;
    }
  }

  function toggleHelp() {
    var help = document.getElementById("shortcuts");
    if (help) help.open = !help.open;
  }

  document.addEventListener("DOMContentLoaded", function () {
    list = document.querySelector("ol.queue:not(.single)");
    status = document.getElementById("queue-status");
    if (!list) return;
    var first = items()[0];
    if (first) setCurrent(first, false);
    document.addEventListener("keydown", onKey);
    list.addEventListener("focusin", function (event) {
      var item = event.target.closest(".queue-item");
      if (item && !item.classList.contains("done") && item !== current) setCurrent(item, false);
    });
    list.addEventListener("submit", function (event) {
      var form = event.target, item = form.closest(".queue-item");
      if (!item || !form.getAttribute("data-action")) return;
      event.preventDefault();
      send(form, item);
    });
    var bulk = document.getElementById("bulk-form");
    if (bulk) {
      bulk.addEventListener("submit", function (event) {
        event.preventDefault();
        sendBulk(bulk);
      });
    }
  });
})();
