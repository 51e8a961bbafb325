"""The one allowlist for article body HTML, applied with nh3 on every save.

Editors write in the rich-text editor (django-prose-editor); whatever reaches the server,
from the editor, the API or a paste, is cleaned here to what a news story needs: paragraphs,
headings, lists, links with safe schemes, emphasis, quotes and figures. Everything else
(scripts, event handlers, styles, frames, SVG, forms) is removed.
"""

import re

import nh3
from django.utils.html import strip_tags

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "li",
        "a",
        "strong",
        "em",
        "b",
        "i",
        "s",
        "sub",
        "sup",
        "code",
        "blockquote",
        "figure",
        "figcaption",
        "img",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

# The editor's toolbar, kept in step with the allowlist above so editors can only make
# what survives the sanitiser. (Heading levels start at 2: the headline is the page's h1.)
EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Strike": True,
    "Subscript": True,
    "Superscript": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    "HorizontalRule": True,
    "Link": {"enableTarget": False, "protocols": sorted(URL_SCHEMES)},
    "Figure": True,
    "Caption": True,
    "Image": True,
}

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    # Drop these with everything inside them, not just the tags.
    clean_content_tags={"script", "style", "template", "textarea", "title", "noscript", "xmp", "iframe", "object"},
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel="noopener noreferrer",
    strip_comments=True,
)

_EMPTY = re.compile(r"^(\s|<p>\s*(<br\s*/?>)?\s*</p>)*$")


def clean_body(html):
    """Sanitised body HTML; an editor's empty paragraph becomes the empty string."""
    # A character reference such as &#xd; comes out as a raw carriage return, which the next
    # parse would turn into a newline: normalise line ends so sanitising twice changes nothing.
    cleaned = _cleaner.clean(html or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    return "" if _EMPTY.match(cleaned) else cleaned


# C0 and C1 control characters (tab, newline and carriage return among them).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def plain_line(text):
    """``text`` as one line of plain text, safe to show anywhere (a page, a partner's site):
    tags removed, control characters and runs of whitespace made single spaces."""
    text = _CONTROL_CHARACTERS.sub(" ", strip_tags(text or ""))
    return " ".join(text.split())
