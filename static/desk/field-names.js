/*
 * Accessible names for the desk forms' widgets that stand in for a labelled field (the article
 * and vehicle forms): the body editor (a contenteditable the prose editor puts beside its hidden
 * textarea), Django's autocomplete boxes (select2), neither of which carries its field's <label>
 * over, and the inline table rows (bylines, vehicles, model years), whose boxes have only a
 * column heading. A screen reader
 * announced them as unnamed (axe-core: aria-input-field-name, label, select-name), and the tags
 * box's "remove all" control sat directly in its list (axe-core: list).
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
        document.querySelectorAll(".tabular table").forEach(nameRows);
        // A box of several choices has a "remove all" control, which select2 puts first in its
        // list of choices as a bare <span>; its handlers find it anywhere inside the box.
        document.querySelectorAll("ul.select2-selection__rendered > .select2-selection__clear").forEach((clear) => {
            const item = document.createElement("li");
            item.className = "select2-selection__clear-item";
            clear.replaceWith(item);
            item.appendChild(clear);
        });
    }

    // "Author, byline 2": the column's heading and the row's number in the group.
    function nameRows(table) {
        const group = table.closest(".inline-group");
        const noun = group && group.querySelector(".inline-heading");
        const what = noun ? noun.textContent.trim().replace(/s$/, "").toLowerCase() : "row";
        const headings = {};
        table.querySelectorAll("thead th[class*='column-']").forEach((heading) => {
            const column = Array.from(heading.classList).find((name) => name.startsWith("column-"));
            headings[column.slice("column-".length)] = heading.textContent.trim();
        });
        table.querySelectorAll("tbody tr.form-row:not(.empty-form)").forEach((row, index) => {
            row.querySelectorAll("td[class*='field-'], td.delete").forEach((cell) => {
                const field = Array.from(cell.classList).find((name) => name.startsWith("field-"));
                const heading = field ? headings[field.slice("field-".length)] : "Delete";
                const name = `${heading}, ${what} ${index + 1}`;
                cell.querySelectorAll("input:not([type=hidden]), select").forEach((control) => {
                    if (heading && !labelFor(control)) {
                        control.setAttribute("aria-label", name);
                    }
                });
                // A box of several choices (a model year's plants) is typed into: name where one types.
                cell.querySelectorAll(".select2-search__field").forEach((search) => {
                    search.setAttribute("aria-label", name);
                });
                // An autocomplete box is named by what it shows, which is nothing until chosen.
                cell.querySelectorAll(".select2-selection--single").forEach((selection) => {
                    const shown = selection.querySelector(".select2-selection__rendered");
                    const chosen = shown ? shown.textContent.replace("×", "").trim() : "";
                    selection.removeAttribute("aria-labelledby");
                    selection.setAttribute("aria-label", chosen ? `${name}: ${chosen}` : name);
                    if (shown) {
                        shown.setAttribute("aria-label", name);
                    }
                });
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
