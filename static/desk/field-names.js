/*
 * Accessible names for the article form's widgets that stand in for a labelled field: the body
 * editor (a contenteditable the prose editor puts beside its hidden textarea) and Django's
 * autocomplete boxes (select2), neither of which carries its field's <label> over, so a screen
 * reader announced them as unnamed (axe-core: aria-input-field-name, label).
 */
"use strict";
{
    function labelFor(field) {
        const label = field.id && document.querySelector(`label[for="${field.id}"]`);
        if (!label) {
            return null;
        }
        if (!label.id) {
            label.id = `${field.id}-label`;
        }
        return label;
    }

    function nameWidgets() {
        document.querySelectorAll("textarea").forEach((textarea) => {
            const editor = textarea.parentElement && textarea.parentElement.querySelector("[contenteditable=true]");
            const label = labelFor(textarea);
            if (editor && label) {
                editor.setAttribute("aria-labelledby", label.id);
            }
        });
        document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
            const label = labelFor(select);
            const box = select.nextElementSibling;
            if (!label || !box || !box.classList.contains("select2")) {
                return;
            }
            box.querySelectorAll(".select2-selection--single").forEach((selection) => {
                const shown = selection.querySelector(".select2-selection__rendered");
                selection.setAttribute("aria-labelledby", [label.id, shown && shown.id].filter(Boolean).join(" "));
                if (shown) {
                    shown.setAttribute("aria-labelledby", label.id);
                }
            });
            box.querySelectorAll(".select2-search__field").forEach((search) => {
                search.setAttribute("aria-labelledby", label.id);
            });
        });
    }

    // The widgets are built after the page has loaded (select2 on jQuery's ready, the editor
    // asynchronously), and select2 builds its parts again after each choice: name them whenever
    // the form's elements change.
    let queued = false;
    function soon() {
        if (!queued) {
            queued = true;
            window.requestAnimationFrame(() => {
                queued = false;
                nameWidgets();
            });
        }
    }
    document.addEventListener("DOMContentLoaded", () => {
        soon();
        new MutationObserver(soon).observe(document.getElementById("content") || document.body, {
            childList: true,
            subtree: true,
        });
    });
}
