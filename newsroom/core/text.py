"""HTML as plain text: the one conversion used wherever a body is shown or sent without markup
(the API's ``body_text`` and ninjs' text body, revision diffs, search snippets)."""

import re
from html import unescape

from django.utils.html import strip_tags

# Blocks (and a rule) end a paragraph; <br> ends a line within one.
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|figure|figcaption|tr)\s*>|<hr\s*/?>", re.IGNORECASE)
_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_MORE_THAN_ONE_BLANK_LINE = re.compile(r"\n{3,}")


def html_to_text(html):
    """``html`` as plain text, read as a browser shows it: each paragraph, heading, list item,
    quote or caption on its own, separated by a blank line; a ``<br>`` a line break; line ends and
    runs of spaces in the source a single space; tags removed and character references decoded
    (``&amp;`` is ``&``, and ``&lt;b&gt;`` stays the text ``<b>``)."""
    text = html or ""
    # The source's whitespace, line ends included, is a space (a no-break space is text and stays).
    for blank in "\n\t\r\f\v":
        text = text.replace(blank, " ")
    text = _LINE_BREAK.sub("\n", _BLOCK_END.sub("\n\n", text))
    text = unescape(strip_tags(text))
    text = _single_spaced(text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _MORE_THAN_ONE_BLANK_LINE.sub("\n\n", text).strip()


def _single_spaced(text):
    """Each run of blanks as one space. String replaces, not a regex substitution: that one matched
    nearly every word's space and was most of the conversion's time."""
    for blank in "\t\r\f\v":  # from character references (&#9;); the source's own are spaces already
        text = text.replace(blank, " ")
    while "  " in text:
        text = text.replace("  ", " ")
    return text
