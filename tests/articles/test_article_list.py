"""The article list as editors read it: each status in words (a scheduled article past its minute
is "Live"), the quick filters, the workflow told in words, and odd filter addresses answered
without a 500, in a fixed number of queries."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import dateformat, timezone

from articles import workflow
from articles.models import Article, Status
from articles.services import save_article

LIST = "/admin/articles/article/"


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def statuses(response):
    """{headline: the words of its status badge} for each row of the list."""
    rows = re.findall(r"<tr>.*?</tr>", response.content.decode(), re.S)
    found = {}
    for row in rows:
        headline = re.search(r'class="article-headline" title="([^"]*)"', row)
        status = re.search(r'class="article-status[^"]*"><span aria-hidden="true">[^<]*</span> ([^<]*)</span>', row)
        if headline and status:
            found[headline.group(1)] = status.group(1)
    return found


def listed(response):
    return {unescape(h) for h in re.findall(r'class="article-headline" title="([^"]*)"', response.content.decode())}


def later_today():
    """A minute still to come today in the newsroom's time zone, whenever the test runs."""
    now = timezone.localtime()
    end_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return now + (end_of_day - now) / 2


def test_each_status_is_said_in_words_and_a_scheduled_article_past_its_minute_is_live(editor_client, make_article):
    made = {status: make_article(status, headline=f"A {status} story") for status in Status.values}
    go_live = timezone.now() + timedelta(days=3)
    Article.objects.filter(pk=made["scheduled"].pk).update(publish_at=go_live)
    past_its_minute = make_article("scheduled", headline="A scheduled story already out")
    Article.objects.filter(pk=past_its_minute.pk).update(publish_at=timezone.now() - timedelta(minutes=1))

    shown = statuses(editor_client.get(LIST))
    local = timezone.localtime(go_live)
    when = dateformat.format(local, "j M H:i" if local.year == timezone.localtime().year else "j M Y H:i")
    assert shown == {
        "A draft story": "Draft",
        "A in_review story": "In review",
        "A approved story": "Approved",
        "A scheduled story": f"Scheduled for {when}",
        "A scheduled story already out": "Live",
        "A published story": "Live",
        "A withdrawn story": "Withdrawn",
    }
    # Colour is not the only signal: each badge has its own symbol and words.
    page = editor_client.get(LIST).content.decode()
    assert page.count('class="article-status article-status-live"') == 2


def test_the_list_shows_a_thumbnail_only_from_renditions_already_made(editor_client, make_article):
    article = make_article("published")
    page = editor_client.get(LIST).content.decode()
    assert "article-thumb-none" in page and "<img" not in page.split("result_list")[1]
    assert not article.lead_image.renditions.exists()  # the list made none


def test_quick_filters(editor_client, make_article, editor, writer):
    mine = make_article(by=editor, headline="My own draft")
    theirs = make_article(by=writer, headline="Someone else's draft")
    waiting = make_article("in_review", headline="Waiting one")
    today = make_article("approved", headline="Out later today")
    workflow.schedule(today, editor, later_today())
    tomorrow = make_article("approved", headline="Out tomorrow")
    workflow.schedule(tomorrow, editor, later_today() + timedelta(days=1))

    assert listed(editor_client.get(LIST, {"show": "my_drafts"})) == {mine.headline}
    assert listed(editor_client.get(LIST, {"show": "in_review"})) == {waiting.headline}
    assert listed(editor_client.get(LIST, {"show": "scheduled_today"})) == {today.headline}
    assert theirs.headline in listed(editor_client.get(LIST))
    live = make_article("published", headline="Live, with a draft of changes")
    make_article("published", headline="Live, as it stands")
    live.standfirst = "A change readers do not see yet."
    save_article(live, editor, expected_version=live.version, message="Not yet")
    assert listed(editor_client.get(LIST, {"show": "pending_changes"})) == {live.headline}

    page = editor_client.get(LIST, {"show": "in_review"}).content.decode()
    chips = page.split('aria-label="Quick filters"')[1].split("</nav>")[0]
    for words in ("My drafts", "Waiting for review", "Scheduled today", "Live with pending changes", "Show all"):
        assert words in chips
    assert 'aria-current="true"><span aria-hidden="true">✓ </span>Waiting for review' in chips


@pytest.mark.parametrize(
    "query",
    [
        "show=%3Cscript%3Ealert(1)%3C/script%3E",
        "show=",
        "show=my_drafts&show=nonsense",
        "status=bogus",
        "section__id__exact=abc",
        "section__id__exact=99999999999999999999999",
        "author=-1",
        "author=%C2%B2",
        "visibility=everything",
        "updated_at__year=abc",
        "updated_at__year=2026&updated_at__month=13",
        "updated_at__year=2026&updated_at__month=2&updated_at__day=31",
        "o=abc",
        "o=99",
        "o=-1.-2.x",
        "p=99999",
        "p=-1",
        "p=abc",
        "q=%00",
        "q=%27%20OR%201%3D1--",
        "headline__regex=(",
        "lead_image__file__startswith=x",
        "e=1",
    ],
)
def test_odd_list_addresses_never_fail(editor_client, make_article, query):
    make_article("published")
    response = editor_client.get(f"{LIST}?{query}")
    # 302: the admin's own "?e=1" for a filter it cannot apply; 400: a lookup it does not allow.
    assert response.status_code in (200, 302, 400), response.status_code


@pytest.mark.parametrize("show", ["", "my_drafts", "in_review", "scheduled_today", "pending_changes"])
def test_the_list_runs_a_fixed_number_of_queries_with_any_quick_filter(
    editor_client, make_article, editor, show, django_assert_num_queries
):
    for status in ("draft", "in_review", "approved", "published", "withdrawn"):
        make_article(status, by=editor)  # one row at least behind every chip: "my" draft too
    workflow.schedule(make_article("approved"), editor, later_today())
    live = make_article("published", by=editor)
    save_article(live, editor, expected_version=live.version, message="A draft of changes")
    ContentType.objects.get_for_model(Article)  # cached per process: warm it so the count is stable
    # session, user; count, filtered count, page; bylines, renditions; the filters' sections and
    # authors; the date hierarchy; ...: the same whichever chip is on and however many rows.
    with django_assert_num_queries(13):
        assert editor_client.get(LIST, {"show": show} if show else {}).status_code == 200


def test_workflow_steps_are_told_in_words(editor_client, make_article):
    article = make_article("in_review", headline="Camry returns")
    page = editor_client.get(f"/admin/articles/article/{article.pk}/workflow/approve/").content.decode()
    assert "The article is <strong>in review</strong>. After this step it will be <strong>approved</strong>." in page
    assert "in_review" not in page.split('id="content-main"')[1]
    response = editor_client.post(
        f"/admin/articles/article/{article.pk}/workflow/approve/", {"comment": ""}, follow=True
    )
    assert "“Camry returns” was approved: it can now be scheduled or published." in response.content.decode()

    go_live = timezone.localtime() + timedelta(days=2)
    response = editor_client.post(
        f"/admin/articles/article/{article.pk}/workflow/schedule/",
        {"publish_at": go_live.strftime("%Y-%m-%dT%H:%M"), "comment": ""},
        follow=True,
    )
    assert "“Camry returns” is scheduled for " in response.content.decode()
    log = response.content.decode().split('class="workflow-log"')[1]
    assert "<td>Approved</td>" in log and "<td>Scheduled</td>" in log and "<td>approve</td>" not in log


def test_bulk_steps_say_how_many_and_why_not(editor_client, make_article):
    ready = [make_article("in_review") for _ in range(2)]
    draft = make_article(headline="Not submitted yet")
    response = editor_client.post(
        LIST,
        {"action": "bulk_approve", "_selected_action": [a.pk for a in [*ready, draft]]},
        follow=True,
    )
    page = response.content.decode()
    assert "2 articles approved." in page
    assert "“Not submitted yet” was not approved: An article that is draft cannot be approved." in page
