"""HTML as plain text (``newsroom.core.text.html_to_text``): the one conversion behind the API's
``body_text``, ninjs' text body, revision diffs and search snippets. Its three former copies
disagreed; these pin the behaviour they now share."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.sanitize import ALLOWED_TAGS
from newsroom.core.text import html_to_text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("", ""),
        (None, ""),
        ("<p>One.</p><p>Two.</p>", "One.\n\nTwo."),
        # A hard-wrapped source line is one paragraph, as a browser shows it (the API used to keep
        # the source's line ends in it; search snippets glued paragraphs together: "One.Two.").
        (
            "<p>Toyota will sell three\n   cars in Japan,\nthe company said.</p>\n\n<p>Next.</p>",
            "Toyota will sell three cars in Japan, the company said.\n\nNext.",
        ),
        # A <br> is a line break within the paragraph (the API made it a new paragraph).
        ("<p>Line one<br>Line two<br/>Line three</p>", "Line one\nLine two\nLine three"),
        (
            "<h2>Heading</h2><ul><li>first</li><li>second</li></ul><blockquote><p>Quote</p></blockquote>",
            "Heading\n\nfirst\n\nsecond\n\nQuote",
        ),
        ("<p>before</p><hr><p>after</p>", "before\n\nafter"),
        (
            "<figure><img src='a.jpg' alt=''><figcaption>The Tundra</figcaption></figure><p>Body</p>",
            "The Tundra\n\nBody",
        ),
        # Entities are decoded after the tags are gone: escaped markup stays text; a no-break space stays.
        (
            "<p>R&amp;D, 100&nbsp;km, &lt;b&gt;not a tag&lt;/b&gt;, caf&eacute; &#8364;5</p>",
            "R&D, 100\xa0km, <b>not a tag</b>, café €5",
        ),
        ("<p>  lots \t of   space  </p>", "lots of space"),
        ("<p><strong>Bold</strong> and <em>italic</em> run on</p>", "Bold and italic run on"),
        ("<p></p><p> </p><p>Only this</p><p><br></p>", "Only this"),
    ],
)
def test_html_reads_as_a_browser_shows_it(html, text):
    assert html_to_text(html) == text


BLOCKS = sorted(ALLOWED_TAGS - {"br", "hr", "img"})


@given(
    st.lists(
        st.tuples(
            st.sampled_from(BLOCKS),
            st.text(alphabet=st.characters(categories=["L", "N", "P", "Zs"], exclude_characters="&<>"), max_size=30),
        ),
        max_size=8,
    )
)
def test_any_body_gives_tidy_text(parts):
    """Whatever the editor made: only its text, paragraphs apart by one blank line, no stray spaces."""
    html = "".join(f"<{tag}>{text}</{tag}>" for tag, text in parts)
    text = html_to_text(html)
    assert "\n\n\n" not in text
    assert text == text.strip()
    assert all(line == line.strip() for line in text.split("\n"))
    assert "  " not in text
    assert "".join(text.split()) == "".join("".join(t for _, t in parts).split())
