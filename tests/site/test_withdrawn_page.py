"""The 410 page of a withdrawn article names it, says when it was withdrawn and why, in a fixed
number of queries."""

import pytest
from django.core.cache import cache
from django.utils.html import escape

from articles import workflow
from newsroom.core import dates
from tests.site.conftest import TOYOTA_SLUG

pytestmark = pytest.mark.django_db


def test_the_410_page_names_the_story_when_and_why(client, newsroom, editor, django_assert_num_queries):
    story = newsroom["story"]
    workflow.withdraw(story, editor, "It gave the wrong launch date.", note="INTERNAL: dealer call")
    story.refresh_from_db()
    cache.clear()
    # not live under this slug; no redirect from it; the withdrawn article; sections (navigation);
    # the next go-live minute (how long the page may be kept)
    with django_assert_num_queries(5):
        response = client.get(f"/articles/{TOYOTA_SLUG}/")
    assert response.status_code == 410
    html = response.content.decode()
    assert escape(story.headline) in html
    assert "It gave the wrong launch date." in html and "INTERNAL" not in html
    assert f"Our editors withdrew it on {dates.time_element(story.withdrawn_at)}." in html
