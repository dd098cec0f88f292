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
        heading.textContent = "Reply to comment " + link.getAttribute("data-reply-label");
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
    window.location.replace(base + "comment-" + match[1] + "/");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.comment-form");
    if (form) { armForm(form); armReplies(form); }
    followMissingAnchor();
  });
})();
