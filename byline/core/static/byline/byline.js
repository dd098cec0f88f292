/* Progressive enhancement only: every feature here also works without JavaScript. */
(function () {
  "use strict";

  // A stranger's page is shared from caches, so it carries no CSRF token. Fetch one for this
  // visitor as soon as they start on the comment form (without JS the server shows a confirm
  // step instead; see ARCHITECTURE.md).
  function armForm(form) {
    var input = form.querySelector('input[name="csrfmiddlewaretoken"]');
    var stamp = form.querySelector('input[name="shown"]');
    if (!input || input.value) return;
    var pending = null;
    function fetchToken() {
      if (!pending) {
        pending = fetch("/session/csrf/", { credentials: "same-origin", cache: "no-store" })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            input.value = data.csrfToken;
            if (stamp && !stamp.value) stamp.value = data.formStamp;
          });
      }
      return pending;
    }
    form.addEventListener("focusin", fetchToken, { once: true });
    form.addEventListener("submit", function (event) {
      if (input.value) return;
      event.preventDefault();
      fetchToken().then(function () { form.submit(); }, function () { form.submit(); });
    });
  }

  // "Reply" moves the form under the comment instead of reloading the page.
  function armReplies(form) {
    var respond = document.getElementById("respond");
    var heading = document.getElementById("respond-heading");
    var parentInput = form.querySelector('input[name="parent"]');
    if (!respond || !heading || !parentInput) return;
    var home = respond.parentNode, homeNext = respond.nextSibling, original = heading.textContent;
    var cancel = document.createElement("button");
    cancel.type = "button"; cancel.className = "link cancel-reply"; cancel.textContent = "Cancel reply";
    cancel.hidden = true;
    heading.insertAdjacentElement("afterend", cancel);
    document.querySelectorAll("a.reply[data-reply]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        parentInput.value = link.getAttribute("data-reply");
        // The name goes in <bdi>, as everywhere else: its direction stays its own.
        var name = document.createElement("bdi");
        name.textContent = link.getAttribute("data-reply-name");
        heading.textContent = "Reply to comment " + link.getAttribute("data-reply-number") + " by ";
        heading.appendChild(name);
        link.closest("article").insertAdjacentElement("afterend", respond);
        cancel.hidden = false;
        form.querySelector("textarea").focus();
      });
    });
    cancel.addEventListener("click", function () {
      parentInput.value = "";
      heading.textContent = original;
      home.insertBefore(respond, homeNext);
      cancel.hidden = true;
    });
  }

  // A bare #comment-N for a comment on another page of the thread: ask the server where it is.
  function followMissingAnchor() {
    var match = /^#comment-(\d+)$/.exec(window.location.hash);
    if (!match || document.getElementById("comment-" + match[1])) return;
    var base = window.location.pathname.replace(/\/?$/, "/");
    // Ask once: if the server's answer brings us back here without the comment (it is held,
    // or this visitor may not see it), stay on the page instead of asking again forever.
    var asked = "byline-asked:" + base + match[1];
    try {
      var when = Number(window.sessionStorage.getItem(asked) || 0);
      if (Date.now() - when < 30000) return;
      window.sessionStorage.setItem(asked, String(Date.now()));
    } catch (e) { /* storage off: the server's answer is the only guard */ }
    window.location.replace(base + "comment-" + match[1] + "/");
  }

  // What the reader types is kept in this browser until the server has shown the comment
  // back (its anchor on the page they land on). A 500, a dropped connection or a closed tab
  // loses nothing: the next time the form is shown empty, the draft comes back.
  function keepDraft(form) {
    var store;
    try { store = window.localStorage; store.getItem("x"); } catch (e) { return; }
    var key = "byline-draft:" + (form.getAttribute("action") || "").split("#")[0];
    var fields = ["body", "name", "email", "url"];
    function field(name) { return form.querySelector('[name="' + name + '"]'); }
    var saved = null;
    try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
    var landed = /^#(comment|pending)-\d+$/.test(window.location.hash) &&
      document.getElementById(window.location.hash.slice(1));
    if (saved && saved.sent && landed) {
      store.removeItem(key);  // the server has the comment: the draft's work is done
      saved = null;
    }
    var body = field("body");
    if (saved && body && !body.value && saved.body) {
      fields.forEach(function (name) {
        var input = field(name);
        if (input && !input.value && saved[name] && input.type !== "hidden") input.value = saved[name];
      });
      var note = document.createElement("p");
      note.className = "notice draft-restored";
      note.setAttribute("role", "status");
      note.textContent = "Your comment was not posted yet; we kept what you typed.";
      form.insertBefore(note, form.firstChild);
    }
    function save(sent) {
      var data = { sent: sent, at: Date.now() };
      fields.forEach(function (name) { var input = field(name); if (input) data[name] = input.value; });
      if (!data.body) { store.removeItem(key); return; }
      try { store.setItem(key, JSON.stringify(data)); } catch (e) { /* full: nothing to do */ }
    }
    form.addEventListener("input", function () { save(false); });
    form.addEventListener("submit", function () { save(true); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.comment-form");
    if (form) { armForm(form); armReplies(form); keepDraft(form); }
    followMissingAnchor();
  });
})();
