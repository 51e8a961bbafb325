"""Any article the newsroom can hold comes out as valid ninjs 3.1: generated headlines, bodies,
bylines, tags and images, including awkward text, in both the detail and the change feed."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article, Correction, Tag
from newsroom.syndication import ninjs
from tests.syndication.conftest import assert_ninjs, make_article, make_image

text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80)
html_bodies = st.lists(text, max_size=4).map(lambda parts: "".join(f"<p>{part}</p>" for part in parts))


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    headline=text,
    body=html_bodies,
    authors=st.lists(st.from_regex(r"[A-Z][a-z]{1,10} [A-Z][a-z]{1,10}", fullmatch=True), max_size=3, unique=True),
    tag_count=st.integers(0, 3),
    with_image=st.booleans(),
    correction=st.one_of(st.none(), text),
)
def test_generated_articles_are_valid_ninjs(api, media, headline, body, authors, tag_count, with_image, correction):
    tags = [Tag.objects.get_or_create(slug=f"t{i}", defaults={"name": f"Tag {i}"})[0] for i in range(tag_count)]
    article = make_article(
        headline=headline, body=body, authors=authors, tags=tags, image=make_image() if with_image else None
    )
    if correction:
        Correction.objects.create(article=article, text=correction)
    response = api.get(f"/api/v1/articles/{article.pk}/", {"format": "ninjs"})
    assert response.status_code == 200
    document = response.json()
    assert_ninjs(document)
    assert document["headlines"][0]["value"] == headline
    assert_ninjs(ninjs.tombstone_document(article.pk, article.publish_at))
    Article.objects.filter(pk=article.pk).delete()
