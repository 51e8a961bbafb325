// Tags typed in (articles.tag_input.TagInput): chips, and suggestions from the tag admin's
// suggest/ endpoint as an ARIA combobox. The form still posts one text field of comma-separated
// names (quoted when a name holds a comma), the same as without JavaScript.
(function () {
  "use strict";

  var SUGGEST_DELAY_MS = 150;
  var NAMES = /\s*(?:"([^"]*)"|([^,]*))\s*(?:,|$)/g;

  function parseNames(text) {
    var names = [];
    var seen = {};
    text.replace(NAMES, function (match, quoted, plain) {
      var name = (quoted || plain || "").split(/\s+/).filter(Boolean).join(" ");
      if (name && !seen[name.toLowerCase()]) {
        seen[name.toLowerCase()] = true;
        names.push(name);
      }
      return match;
    });
    return names;
  }

  function formatNames(names) {
    return names
      .map(function (name) {
        return name.indexOf(",") >= 0 ? '"' + name + '"' : name;
      })
      .join(", ");
  }

  function setup(field) {
    var url = field.dataset.tagInput;
    var id = field.id;
    var names = parseNames(field.value);
    var suggestions = [];
    var active = -1;
    var timer = null;
    var requestNumber = 0;

    var box = document.createElement("div");
    box.className = "tag-input__box";
    var chips = document.createElement("ul");
    chips.className = "tag-input__chips";
    chips.setAttribute("aria-label", "Chosen tags");
    var typing = document.createElement("input");
    typing.type = "text";
    typing.className = "tag-input__typing";
    typing.setAttribute("role", "combobox");
    typing.setAttribute("aria-autocomplete", "list");
    typing.setAttribute("aria-expanded", "false");
    typing.setAttribute("aria-controls", id + "_suggestions");
    typing.autocomplete = "off";
    if (field.getAttribute("aria-describedby")) {
      typing.setAttribute("aria-describedby", field.getAttribute("aria-describedby"));
    }
    var list = document.createElement("ul");
    list.id = id + "_suggestions";
    list.className = "tag-input__suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggested tags");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "tag-input__status";
    status.setAttribute("aria-live", "polite");

    // The label's "for" now names the box one types in; the posted field keeps its name.
    field.id = id + "_value";
    typing.id = id;
    field.type = "hidden";
    field.parentNode.insertBefore(box, field);
    box.appendChild(chips);
    box.appendChild(typing);
    box.appendChild(list);
    box.parentNode.insertBefore(status, box.nextSibling);

    function sync() {
      var pending = typing.value.trim();
      field.value = formatNames(pending ? names.concat(parseNames(pending)) : names);
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function renderChips() {
      chips.innerHTML = "";
      names.forEach(function (name, index) {
        var chip = document.createElement("li");
        chip.className = "tag-chip";
        var label = document.createElement("span");
        label.textContent = name;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "tag-chip__remove";
        remove.setAttribute("aria-label", "Remove tag " + name);
        remove.textContent = "×";
        remove.addEventListener("click", function () {
          names.splice(index, 1);
          renderChips();
          sync();
          typing.focus();
        });
        chip.appendChild(label);
        chip.appendChild(remove);
        chips.appendChild(chip);
      });
      chips.hidden = names.length === 0;
    }

    function has(name) {
      return names.some(function (chosen) {
        return chosen.toLowerCase() === name.toLowerCase();
      });
    }

    function add(text) {
      parseNames(text).forEach(function (name) {
        if (!has(name)) {
          names.push(name);
        }
      });
      typing.value = "";
      closeList();
      renderChips();
      sync();
    }

    function closeList() {
      list.hidden = true;
      list.innerHTML = "";
      suggestions = [];
      active = -1;
      typing.setAttribute("aria-expanded", "false");
      typing.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(list.children, function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) {
        typing.setAttribute("aria-activedescendant", list.children[index].id);
      } else {
        typing.removeAttribute("aria-activedescendant");
      }
    }

    function showSuggestions(answer, text) {
      closeList();
      suggestions = answer.results
        .map(function (tag) {
          return tag.name;
        })
        .filter(function (name) {
          return !has(name);
        });
      var exact = answer.results.some(function (tag) {
        return tag.name.toLowerCase() === text.toLowerCase();
      });
      suggestions.forEach(function (name, index) {
        var option = document.createElement("li");
        option.id = id + "_suggestion_" + index;
        option.className = "tag-input__option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = name;
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the box
          add(name);
        });
        list.appendChild(option);
      });
      if (suggestions.length) {
        list.hidden = false;
        typing.setAttribute("aria-expanded", "true");
      }
      var words = suggestions.length + " suggestion" + (suggestions.length === 1 ? "" : "s") + ".";
      if (!exact && !answer.may_add) {
        words += " Your role may not add new tags: choose an existing one.";
      } else if (!exact) {
        words += " Press Enter to add “" + text + "” as a new tag.";
      }
      status.textContent = words;
    }

    function suggest() {
      var text = typing.value.trim();
      if (!text || text.indexOf(",") >= 0) {
        closeList();
        status.textContent = "";
        return;
      }
      var mine = ++requestNumber;
      fetch(url + "?q=" + encodeURIComponent(text), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (answer) {
          if (answer && mine === requestNumber && typing.value.trim() === text) {
            showSuggestions(answer, text);
          }
        })
        .catch(function () {
          status.textContent = "Suggestions are not available just now; type the tag in full.";
        });
    }

    typing.addEventListener("input", function () {
      if (typing.value.indexOf(",") >= 0) {
        add(typing.value);
        return;
      }
      sync();
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, SUGGEST_DELAY_MS);
    });
    typing.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && suggestions.length) {
        event.preventDefault();
        highlight((active + 1) % suggestions.length);
      } else if (event.key === "ArrowUp" && suggestions.length) {
        event.preventDefault();
        highlight(active <= 0 ? suggestions.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (active >= 0) {
          event.preventDefault();
          add(suggestions[active]);
        } else if (typing.value.trim()) {
          event.preventDefault(); // Enter adds the tag; it does not send the form
          add(typing.value);
        }
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        closeList();
      } else if (event.key === "Backspace" && !typing.value && names.length) {
        names.pop();
        renderChips();
        sync();
      }
    });
    typing.addEventListener("blur", function () {
      window.setTimeout(closeList, 100);
    });
    box.addEventListener("click", function (event) {
      if (event.target === box || event.target === chips) {
        typing.focus();
      }
    });

    renderChips();
  }

  function init() {
    document.querySelectorAll("input[data-tag-input]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
