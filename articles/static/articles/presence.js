// The article change form's sign of life: while the form is open, tell the server every minute
// (ArticleAdmin.presence_view) and show who else has the story open. Loaded as a file (the
// Content-Security-Policy allows no inline script); without JavaScript the list shown when the
// page loaded stays, and the entry lapses after three minutes.
(function () {
  "use strict";

  var PING_EVERY_MS = 60 * 1000;

  function setup(box) {
    var form = document.querySelector("#article_form");
    var token = form && form.querySelector("[name=csrfmiddlewaretoken]");
    var list = box.querySelector("ul");
    if (!token || !list) {
      return;
    }

    function show(others) {
      list.replaceChildren.apply(list, others.map(function (line) {
        var item = document.createElement("li");
        item.textContent = line;
        return item;
      }));
      box.hidden = others.length === 0;
    }

    function ping() {
      fetch(box.dataset.presenceUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {"X-CSRFToken": token.value},
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) { if (answer) { show(answer.others); } })
        .catch(function () { /* offline for a moment: the next ping tries again */ });
    }

    window.setInterval(ping, PING_EVERY_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-presence-url]");
    if (box) {
      setup(box);
    }
  });
})();
