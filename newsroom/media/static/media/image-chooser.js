// The image chooser (newsroom.media.widgets.ImageChooserWidget): a native modal <dialog> to search
// the library or upload in place, and the chosen image's card. Loaded as a file (the Content
// Security Policy allows no inline script); without JavaScript the field is a box for the image's
// number. The dialog is moved to the end of the page: its search and upload forms cannot live
// inside the article's form.
(function () {
  "use strict";

  var SEARCH_DELAY_MS = 300;

  function setup(root) {
    var input = root.querySelector("[data-chooser-raw] input");
    var template = root.querySelector("template[data-chooser-template]");
    if (!input || !template || typeof HTMLDialogElement === "undefined") {
      return; // the number box keeps working
    }
    var dialog = template.content.querySelector("dialog").cloneNode(true);
    document.body.appendChild(dialog);

    var openButton = root.querySelector("[data-chooser-open]");
    var clearButton = root.querySelector("[data-chooser-clear]");
    var chosen = root.querySelector("[data-chosen]");
    var empty = root.querySelector("[data-chosen-empty]");
    var results = dialog.querySelector("[data-chooser-results]");
    var searchForm = dialog.querySelector("[data-chooser-search]");
    var uploadPanel = dialog.querySelector("[data-chooser-panel=upload]");
    var tabs = Array.prototype.slice.call(dialog.querySelectorAll("[data-chooser-tab]"));
    var loadedQuery = null;
    var searchTimer = null;
    var requestNumber = 0;

    root.querySelector("[data-chooser-raw]").hidden = true;
    root.querySelector("[data-chooser-buttons]").hidden = false;

    function fetchText(url, options) {
      options = options || {};
      options.credentials = "same-origin";
      options.headers = Object.assign({ "X-Requested-With": "fetch" }, options.headers || {});
      return fetch(url, options);
    }

    function message(container, text) {
      container.innerHTML = "";
      var paragraph = document.createElement("p");
      paragraph.className = "chooser-message chooser-message--error";
      paragraph.setAttribute("role", "alert");
      paragraph.textContent = text;
      container.appendChild(paragraph);
    }

    function failure(response) {
      if (response.status === 403) {
        return "Your role may not do this. Ask an editor.";
      }
      return "The image library did not answer (error " + response.status + "). Try again in a moment.";
    }

    function search(page) {
      var params = new URLSearchParams(new FormData(searchForm));
      if (page) {
        params.set("page", page);
      }
      var query = params.toString();
      var mine = ++requestNumber;
      results.setAttribute("aria-busy", "true");
      fetchText(root.dataset.chooserUrl + "?" + query)
        .then(function (response) {
          return response.text().then(function (html) {
            if (mine !== requestNumber) {
              return; // a newer search has been sent
            }
            if (response.ok || response.status === 400) {
              results.innerHTML = html;
              loadedQuery = query;
            } else {
              message(results, failure(response));
            }
          });
        })
        .catch(function () {
          message(results, "The image library could not be reached. Check the connection and try again.");
        })
        .finally(function () {
          results.setAttribute("aria-busy", "false");
        });
    }

    function showCard(card) {
      var picture = root.querySelector("[data-chosen-img]");
      var pending = root.querySelector("[data-chosen-pending]");
      var focal = root.querySelector("[data-chosen-focal]");
      var alt = root.querySelector("[data-chosen-alt]");
      if (card.thumbnail) {
        picture.src = card.thumbnail;
        picture.width = card.thumbnail_width;
        picture.height = card.thumbnail_height;
      }
      picture.hidden = !card.thumbnail;
      pending.hidden = Boolean(card.thumbnail);
      focal.style.left = card.focal_x + "%";
      focal.style.top = card.focal_y + "%";
      root.querySelector("[data-chosen-title]").textContent = card.title;
      root.querySelector("[data-chosen-size]").textContent = card.size;
      root.querySelector("[data-chosen-edit]").href = card.edit_url;
      alt.className = "image-chooser__alt chooser-alt--" + card.alt_status;
      alt.textContent = "";
      if (card.alt_status === "missing") {
        var sign = document.createElement("span");
        sign.setAttribute("aria-hidden", "true");
        sign.textContent = "⚠ ";
        alt.appendChild(sign);
      }
      alt.appendChild(document.createTextNode((card.alt_status === "written" ? "Alt text: " : "") + card.alt_text));
    }

    function choose(card) {
      input.value = String(card.id);
      showCard(card);
      chosen.hidden = false;
      empty.hidden = true;
      clearButton.hidden = false;
      openButton.textContent = "Change image";
      input.dispatchEvent(new Event("change", { bubbles: true }));
      dialog.close();
    }

    function clear() {
      input.value = "";
      chosen.hidden = true;
      empty.hidden = false;
      clearButton.hidden = true;
      openButton.textContent = "Choose an image";
      input.dispatchEvent(new Event("change", { bubbles: true }));
      openButton.focus();
    }

    function selectTab(name, focus) {
      tabs.forEach(function (tab) {
        var selected = tab.dataset.chooserTab === name;
        tab.setAttribute("aria-selected", selected ? "true" : "false");
        tab.tabIndex = selected ? 0 : -1;
        dialog.querySelector("[data-chooser-panel=" + tab.dataset.chooserTab + "]").hidden = !selected;
        if (selected && focus) {
          tab.focus();
        }
      });
      if (name === "upload" && !uploadPanel.querySelector("form")) {
        loadUploadForm();
      }
    }

    function loadUploadForm() {
      fetchText(root.dataset.uploadUrl)
        .then(function (response) {
          return response.text().then(function (html) {
            if (response.ok) {
              uploadPanel.innerHTML = html;
            } else {
              message(uploadPanel, failure(response));
            }
          });
        })
        .catch(function () {
          message(uploadPanel, "The image library could not be reached. Check the connection and try again.");
        });
    }

    function upload(form) {
      var button = form.querySelector("[type=submit]");
      button.disabled = true;
      button.textContent = "Uploading…";
      fetchText(form.action, { method: "POST", body: new FormData(form) })
        .then(function (response) {
          if (response.status === 201) {
            return response.json().then(function (answer) {
              choose(answer.image);
              loadedQuery = null; // the new image is on the next search's first page
              loadUploadForm();
            });
          }
          return response.text().then(function (html) {
            if (response.status === 400) {
              uploadPanel.innerHTML = html;
              var firstError = uploadPanel.querySelector(".errors input, .errors textarea");
              (firstError || uploadPanel.querySelector(".errornote")).focus();
            } else {
              message(uploadPanel, failure(response));
            }
          });
        })
        .catch(function () {
          message(uploadPanel, "The upload could not be sent. Check the connection and try again.");
        });
    }

    openButton.addEventListener("click", function () {
      selectTab("search");
      dialog.showModal();
      var field = searchForm.querySelector("[name=q]");
      field.focus();
      var query = new URLSearchParams(new FormData(searchForm)).toString();
      if (loadedQuery !== query) {
        search();
      }
    });
    clearButton.addEventListener("click", clear);
    dialog.querySelector("[data-chooser-close]").addEventListener("click", function () {
      dialog.close();
    });
    // Esc closes the dialog wherever the focus is (a search box would otherwise take the first
    // press to empty itself).
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        dialog.close();
      }
    });
    dialog.addEventListener("close", function () {
      openButton.focus();
    });
    // A click on the backdrop (outside the dialog's box) closes it, as Esc does.
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) {
        var box = dialog.getBoundingClientRect();
        var inside =
          event.clientX >= box.left &&
          event.clientX <= box.right &&
          event.clientY >= box.top &&
          event.clientY <= box.bottom;
        if (!inside) {
          dialog.close();
        }
      }
    });

    searchForm.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(searchTimer);
      search();
    });
    searchForm.addEventListener("input", function () {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(search, SEARCH_DELAY_MS);
    });
    searchForm.querySelector("select").addEventListener("change", function () {
      window.clearTimeout(searchTimer);
      search();
    });
    results.addEventListener("click", function (event) {
      var card = event.target.closest("[data-card]");
      if (card) {
        choose(JSON.parse(card.dataset.card));
        return;
      }
      var pageButton = event.target.closest("[data-chooser-page]");
      if (pageButton) {
        search(pageButton.dataset.chooserPage);
        searchForm.querySelector("[name=q]").focus();
      }
    });
    uploadPanel.addEventListener("submit", function (event) {
      event.preventDefault();
      upload(event.target);
    });
    tabs.forEach(function (tab, index) {
      tab.addEventListener("click", function () {
        selectTab(tab.dataset.chooserTab);
      });
      tab.addEventListener("keydown", function (event) {
        var step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (step) {
          event.preventDefault();
          selectTab(tabs[(index + step + tabs.length) % tabs.length].dataset.chooserTab, true);
        }
      });
    });
  }

  function init() {
    document.querySelectorAll("[data-image-chooser]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
