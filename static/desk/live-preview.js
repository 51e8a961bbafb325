/*
 * The article change form's side-by-side preview (templates/admin/articles/article/_live_preview.html).
 *
 * While the panel is open, a moment after the editor stops typing (or picks a tag, an image, a
 * vehicle …) the form as it stands is posted to the preview URL, which validates it as a save would
 * and answers with the page readers would see, or 400 with the form's errors; nothing is saved. The
 * answer is written into a same-origin frame: the first time as a whole page, then only its body,
 * so the stylesheet stays loaded and the reader's scroll position stays where it was.
 */
"use strict";
{
    const DEBOUNCE_MS = 600;
    const WIDE_SCREEN = window.matchMedia("(min-width: 1025px)");
    const STORAGE_KEY = "newsroom.livePreview";

    const panel = document.getElementById("live-preview");
    const form = panel && document.getElementById("article_form");
    if (panel && form && window.fetch && window.DOMParser) {
        start();
    }

    function start() {
        const toggle = document.querySelector(".live-preview-toggle");
        const closeButton = panel.querySelector(".live-preview-close");
        const widthButtons = Array.from(panel.querySelectorAll("[data-width]"));
        const status = panel.querySelector(".live-preview-status");
        const viewport = panel.querySelector(".live-preview-viewport");
        const frame = panel.querySelector(".live-preview-frame");
        const saved = readSettings();
        let timer = null;
        let inFlight = null;
        let shown = false; // whether the frame holds a page yet
        let stale = true; // the form changed since the frame was last updated

        // Beside the title, where the admin puts its page-wide tools.
        const tools = document.querySelector(".titles-and-tools") || form.parentElement;
        tools.appendChild(toggle);
        toggle.hidden = false;

        toggle.addEventListener("click", () => setOpen(panel.hidden, {remember: true}));
        closeButton.addEventListener("click", () => {
            setOpen(false, {remember: true});
            toggle.focus();
        });
        widthButtons.forEach((button) => button.addEventListener("click", () => setWidth(button.dataset.width)));

        // Typing (the body editor reports its changes as input events too), choices, and rows
        // added to or removed from the bylines and vehicles. Select2 widgets (tags, lead image)
        // announce their changes through jQuery only.
        form.addEventListener("input", changed);
        form.addEventListener("change", changed);
        document.addEventListener("formset:added", changed);
        document.addEventListener("formset:removed", changed);
        if (window.django && window.django.jQuery) {
            window.django.jQuery(form).on("change", changed);
        }

        new ResizeObserver(fit).observe(viewport);
        setWidth(saved.width || "375");
        setOpen(Boolean(saved.open) && WIDE_SCREEN.matches);

        function changed() {
            stale = true;
            if (panel.hidden) {
                return; // brought up to date when opened
            }
            window.clearTimeout(timer);
            timer = window.setTimeout(update, DEBOUNCE_MS);
        }

        // Open on a wide screen if it was left open; a phone opens it only when asked.
        function setOpen(open, {remember = false} = {}) {
            panel.hidden = !open;
            toggle.setAttribute("aria-expanded", String(open));
            document.body.classList.toggle("live-preview-open", open);
            if (remember) {
                writeSettings({open});
            }
            if (open) {
                fit();
                if (stale) {
                    update();
                }
            }
        }

        function setWidth(width) {
            widthButtons.forEach((button) => button.setAttribute("aria-pressed", String(button.dataset.width === width)));
            frame.dataset.width = width;
            writeSettings({width});
            fit();
        }

        // The frame is as wide as the device shown, scaled down when the panel is narrower.
        function fit() {
            const width = Number(frame.dataset.width);
            const available = viewport.clientWidth;
            if (!available) {
                return;
            }
            const scale = Math.min(1, available / width);
            frame.style.width = `${width}px`;
            frame.style.height = `${viewport.clientHeight / scale}px`;
            frame.style.transform = scale < 1 ? `scale(${scale})` : "";
            frame.style.marginLeft = scale < 1 ? "0" : `${(available - width) / 2}px`;
        }

        async function update() {
            window.clearTimeout(timer);
            if (inFlight) {
                inFlight.abort(); // only the newest form matters
            }
            const request = new AbortController();
            inFlight = request;
            stale = false;
            say("Updating…", "busy");
            let response;
            try {
                response = await window.fetch(panel.dataset.url, {
                    method: "POST",
                    body: new FormData(form),
                    credentials: "same-origin",
                    redirect: "manual", // signed out: the login page is no preview
                    signal: request.signal,
                });
                if (response.ok) {
                    show(await response.text());
                    say("Up to date.", "ok");
                } else {
                    say(`Preview could not be updated: ${await whyNot(response)}`, "error");
                }
            } catch (error) {
                if (error.name === "AbortError") {
                    return;
                }
                stale = true;
                say("Preview could not be updated: the server did not answer. It will try again when you next type.", "error");
            } finally {
                if (inFlight === request) {
                    inFlight = null;
                }
            }
        }

        async function whyNot(response) {
            if (response.type === "opaqueredirect") {
                return "you are signed out. Sign in again in another tab; your text here is kept.";
            }
            if (response.status === 403) {
                return "you may not edit this article.";
            }
            if (response.status === 400) {
                try {
                    const {errors} = await response.json();
                    return errors
                        .map(({label, messages}) => (label ? `${label}: ` : "") + messages.join(" "))
                        .join(" ");
                } catch (error) {
                    // not the form's errors: fall through to the status
                }
            }
            return `the server answered ${response.status}.`;
        }

        function show(html) {
            const page = new DOMParser().parseFromString(html, "text/html");
            const doc = frame.contentDocument;
            if (!shown) {
                doc.replaceChild(doc.adoptNode(page.documentElement), doc.documentElement);
                // Links open in a new tab: inside the frame they would leave the preview.
                const base = doc.createElement("base");
                base.target = "_blank";
                doc.head.prepend(base);
                shown = true;
                return;
            }
            const scrolled = frame.contentWindow.scrollY;
            doc.title = page.title;
            doc.body.replaceWith(doc.adoptNode(page.body));
            frame.contentWindow.scrollTo(0, scrolled);
        }

        function say(text, state) {
            status.textContent = text;
            status.dataset.state = state;
        }
    }

    function readSettings() {
        try {
            return JSON.parse(window.localStorage.getItem(STORAGE_KEY)) || {};
        } catch (error) {
            return {};
        }
    }

    function writeSettings(changes) {
        try {
            window.localStorage.setItem(STORAGE_KEY, JSON.stringify({...readSettings(), ...changes}));
        } catch (error) {
            // private browsing: the choice lasts as long as the page
        }
    }
}
