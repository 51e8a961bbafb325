"""The planning calendar (/admin/calendar/): the newsroom's days, its filters, who sees what,
URLs nobody should type, and moving a story through the workflow."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from articles import services, workflow
from articles.models import Article, Section, Status, Transition

CALENDAR = "/admin/calendar/"


def _clock_change(zone, *, forward):
    """The next local day (at least two days away) on which ``zone``'s clocks go forward (or back)."""
    day = timezone.now().astimezone(zone).date() + timedelta(days=2)
    for _ in range(400):
        before = datetime.combine(day, time(0, 30), tzinfo=zone).utcoffset()
        after = datetime.combine(day, time(23, 30), tzinfo=zone).utcoffset()
        if before != after and (after > before) == forward:
            return day
        day += timedelta(days=1)
    raise AssertionError(f"{zone} changes no clocks")


def _week(day):
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _scheduled(make_article, editor, at, **fields):
    article = make_article("approved", editor=editor, **fields)
    return workflow.schedule(article, editor, at)


def _cells(response):
    """{day: [headline, …]} as the calendar shows them."""
    return {
        cell["day"]: [entry.article.headline for entry in cell["entries"]]
        for week in response.context["weeks"]
        for cell in week
    }


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_a_story_late_in_the_evening_is_on_its_local_day(editor_client, make_article, editor, settings):
    settings.TIME_ZONE = "America/New_York"
    zone = ZoneInfo("America/New_York")
    day = timezone.localdate() + timedelta(days=9)
    late = _scheduled(make_article, editor, datetime.combine(day, time(23, 30), tzinfo=zone))
    assert late.publish_at.astimezone(UTC).date() == day + timedelta(days=1)  # tomorrow in UTC

    response = editor_client.get(CALENDAR, {"week": _week(day)})

    assert response.status_code == 200
    assert _cells(response)[day] == [late.headline]
    html = response.content.decode()
    assert "23:30" in html and "(04:30 UTC)" in html or "(03:30 UTC)" in html


@pytest.mark.parametrize("forward", [True, False], ids=["clocks go forward", "clocks go back"])
def test_days_follow_the_newsrooms_clock_across_a_clock_change(editor_client, make_article, editor, settings, forward):
    settings.TIME_ZONE = "Europe/Berlin"
    zone = ZoneInfo("Europe/Berlin")
    day = _clock_change(zone, forward=forward)
    at = {
        "eve": datetime.combine(day - timedelta(days=1), time(23, 45), tzinfo=zone),
        "first": datetime.combine(day, time(0, 15), tzinfo=zone),
        "last": datetime.combine(day, time(23, 45), tzinfo=zone),
        "next": datetime.combine(day + timedelta(days=1), time(0, 15), tzinfo=zone),
    }
    stories = {name: _scheduled(make_article, editor, moment, headline=name) for name, moment in at.items()}
    # (In UTC: subtracting two times of one zone gives the difference on the wall clock.)
    length = stories["last"].publish_at.astimezone(UTC) - stories["first"].publish_at.astimezone(UTC)
    assert length == timedelta(hours=22 if forward else 24, minutes=30)

    cells = {}
    for week in {_week(day - timedelta(days=1)), _week(day), _week(day + timedelta(days=1))}:
        cells |= _cells(editor_client.get(CALENDAR, {"week": week}))

    assert cells[day - timedelta(days=1)] == ["eve"]
    assert cells[day] == ["first", "last"]
    assert cells[day + timedelta(days=1)] == ["next"]


def test_a_week_ends_at_local_midnight_on_sunday(editor_client, make_article, editor, settings):
    settings.TIME_ZONE = "Asia/Tokyo"  # nine hours ahead: Monday 00:15 there is Sunday in UTC
    zone = ZoneInfo("Asia/Tokyo")
    monday = timezone.localdate() + timedelta(days=14 - timezone.localdate().weekday())
    story = _scheduled(make_article, editor, datetime.combine(monday, time(0, 15), tzinfo=zone))

    before = editor_client.get(CALENDAR, {"week": _week(monday - timedelta(days=1))})
    on = editor_client.get(CALENDAR, {"week": _week(monday)})

    assert story.headline not in before.content.decode()
    assert _cells(on)[monday] == [story.headline]


def test_month_view_shows_whole_weeks_and_moves_by_month(editor_client, make_article, editor):
    first = (timezone.localdate() + timedelta(days=40)).replace(day=1)
    story = _scheduled(make_article, editor, datetime.combine(first, time(9), tzinfo=UTC))

    response = editor_client.get(CALENDAR, {"month": f"{first:%Y-%m}"})

    assert response.status_code == 200
    weeks = response.context["weeks"]
    assert all(len(week) == 7 and week[0]["day"].weekday() == 0 for week in weeks)
    assert weeks[0][0]["day"] <= first and first.month != (weeks[-1][-1]["day"] + timedelta(days=1)).month
    assert _cells(response)[first] == [story.headline]
    previous = (first - timedelta(days=1)).replace(day=1)
    assert response.context["previous_url"] == f"?month={previous:%Y-%m}"
    assert response.context["next_url"] == f"?month={(first + timedelta(days=31)).replace(day=1):%Y-%m}"


def test_weeks_run_across_the_new_year(editor_client):
    response = editor_client.get(CALENDAR, {"week": "2026-W53"})  # 2026 has 53 ISO weeks

    assert response.status_code == 200
    assert response.context["next_url"] == "?week=2027-W01"
    assert response.context["previous_url"] == "?week=2026-W52"
    assert response.context["period"].title == "Week 53: 28 Dec 2026 – 3 Jan 2027"


def test_the_section_filter_shows_only_that_sections_stories(editor_client, make_article, editor, section):
    reviews = Section.objects.create(name="Reviews", slug="reviews")
    day = timezone.localdate() + timedelta(days=3)
    at = datetime.combine(day, time(10), tzinfo=UTC)
    news = _scheduled(make_article, editor, at, section=section)
    review = _scheduled(make_article, editor, at + timedelta(minutes=5), section=reviews)

    everything = editor_client.get(CALENDAR, {"week": _week(day)})
    only_reviews = editor_client.get(CALENDAR, {"week": _week(day), "section": reviews.pk})

    assert _cells(everything)[day] == [news.headline, review.headline]
    assert _cells(only_reviews)[day] == [review.headline]
    assert f"?week={_week(day + timedelta(days=7))}&amp;section={reviews.pk}" in only_reviews.content.decode()


def _entry(client, article):
    """The calendar entry of ``article`` in the week of its go-live time, and that page's HTML."""
    response = client.get(CALENDAR, {"week": _week(timezone.localtime(article.publish_at).date())})
    entries = [e for week in response.context["weeks"] for cell in week for e in cell["entries"]]
    return next(e for e in entries if e.article.pk == article.pk), response.content.decode()


def test_each_entry_links_to_its_story_and_says_what_happens(editor_client, make_article, editor):
    story = _scheduled(make_article, editor, timezone.now() + timedelta(days=2))
    gone_out = make_article("published", editor=editor)

    coming, coming_html = _entry(editor_client, story)
    went, went_html = _entry(editor_client, gone_out)

    assert reverse("admin:articles_article_change", args=[story.pk]) in coming_html
    assert reverse("admin:articles_article_change", args=[gone_out.pk]) in went_html
    assert coming.label == "Goes live" and coming.movable
    assert went.label == "Went live" and not went.movable
    assert 'aria-current="date"' in went_html  # today, in words and markup, not by colour alone
    assert '<span class="planning-today">Today</span>' in went_html


def test_withdrawn_and_unscheduled_stories_are_not_on_the_calendar(editor_client, make_article, editor):
    day = timezone.localdate() + timedelta(days=1)
    story = _scheduled(make_article, editor, datetime.combine(day, time(8), tzinfo=UTC))
    workflow.unschedule(story, editor)
    withdrawn = make_article("withdrawn", editor=editor)

    html = editor_client.get(CALENDAR, {"week": _week(day)}).content.decode()

    assert story.headline not in html and withdrawn.headline not in html


@pytest.mark.parametrize("count", [1, 8])
def test_a_calendar_page_runs_a_fixed_number_of_queries(
    editor_client, make_article, editor, count, django_assert_num_queries
):
    day = timezone.localdate() + timedelta(days=20)
    for n in range(count):
        _scheduled(make_article, editor, datetime.combine(day, time(6 + n), tzinfo=UTC))
        live = make_article("published", editor=editor)
        live.headline = f"Changed {n}"
        draft = services.save_article(live, editor, live.version, "Edited")
        services.schedule_changes(live, editor, draft.version, datetime.combine(day, time(7 + n), tzinfo=UTC))

    # One query per source: scheduled publications, scheduled changes, what went live.
    with django_assert_num_queries(8):
        response = editor_client.get(CALENDAR, {"month": f"{day:%Y-%m}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"week": "garbage"},
        {"week": "2027-W54"},
        {"week": "2026-W00"},
        {"week": "0001-W01"},
        {"week": "9999-W52"},
        {"week": "２０２６-W01"},
        {"week": "2026-W1\x00"},
        {"week": "x" * 5000},
        {"month": "2026-13"},
        {"month": "2026-00"},
        {"month": "garbage"},
        {"week": "2026-W01", "month": "2026-01"},
        {"section": "abc"},
        {"section": "99999999999999999999"},
        {"section": "-1"},
    ],
)
def test_a_url_naming_no_period_or_section_is_a_400_showing_this_week(editor_client, query):
    response = editor_client.get(CALENDAR, query)

    assert response.status_code == 400
    assert response.context["period"].first == timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    assert "Showing this week instead." in _messages(response)[0]


def test_writers_see_the_calendar_but_cannot_move_stories(client, writer, editor, make_article):
    story = _scheduled(make_article, editor, timezone.now() + timedelta(days=1))
    client.force_login(writer)

    response = client.get(CALENDAR, {"week": _week(timezone.localtime(story.publish_at).date())})

    assert response.status_code == 200
    assert story.headline in response.content.decode()
    assert 'name="publish_at"' not in response.content.decode()


def test_who_may_open_the_calendar(client, editor):
    assert client.get(CALENDAR).status_code == 302  # signed out: to the sign-in page
    nobody = get_user_model().objects.create_user("nobody", password="x", is_staff=True)
    client.force_login(nobody)
    assert client.get(CALENDAR).status_code == 403
    assert 'href="/admin/calendar/"' not in client.get(reverse("admin:index")).content.decode()
    client.force_login(editor)
    assert 'href="/admin/calendar/">Planning calendar</a>' in client.get(reverse("admin:index")).content.decode()


# -- moving a story ---------------------------------------------------------------------------


def _move(client, story, new_time, shown=None, query=""):
    return client.post(
        CALENDAR + query,
        {
            "article": story.pk,
            "shown": (shown or story.publish_at).astimezone(UTC).isoformat(),
            "publish_at_0": new_time.partition("T")[0],
            "publish_at_1": new_time.partition("T")[2],
        },
    )


def test_moving_a_story_goes_through_the_workflow(editor_client, make_article, editor, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    zone = ZoneInfo("Europe/Berlin")
    day = timezone.localdate() + timedelta(days=30)
    story = _scheduled(make_article, editor, datetime.combine(day, time(9), tzinfo=zone))
    before = Transition.objects.filter(article=story).count()

    response = _move(editor_client, story, f"{day + timedelta(days=1):%Y-%m-%d}T17:45", query="?section=")

    story.refresh_from_db()
    assert story.status == Status.SCHEDULED
    assert story.publish_at == datetime.combine(day + timedelta(days=1), time(17, 45), tzinfo=zone)
    assert story.first_published_at == story.publish_at
    steps = list(Transition.objects.filter(article=story).order_by("id")[before:])
    assert [(s.action, s.from_status, s.to_status, s.user) for s in steps] == [
        ("unschedule", Status.SCHEDULED, Status.APPROVED, editor),
        ("schedule", Status.APPROVED, Status.SCHEDULED, editor),
    ]
    assert "Moved in the planning calendar from" in steps[0].comment
    assert response.status_code == 302
    assert response.url == f"{CALENDAR}?week={_week(day + timedelta(days=1))}"
    assert "now goes live" in _messages(response)[0]
    assert _cells(editor_client.get(response.url))[day + timedelta(days=1)] == [story.headline]


def _refused(client, story, new_time, **kwargs):
    before = (story.publish_at, story.status, Transition.objects.filter(article=story).count())
    response = _move(client, story, new_time, **kwargs)
    story.refresh_from_db()
    assert response.status_code == 302
    assert (story.publish_at, story.status, Transition.objects.filter(article=story).count()) == before
    return _messages(response)[-1]


def test_a_past_time_is_refused_clearly(editor_client, make_article, editor):
    story = _scheduled(make_article, editor, timezone.now() + timedelta(days=1))
    past = timezone.localtime(timezone.now() - timedelta(hours=1))

    assert "Choose a time in the future" in _refused(editor_client, story, f"{past:%Y-%m-%dT%H:%M}")


def test_a_writer_cannot_move_a_story(client, writer, make_article, editor):
    story = _scheduled(make_article, editor, timezone.now() + timedelta(days=1))
    client.force_login(writer)

    assert "Your role may not unschedule articles." in _refused(client, story, "2099-01-01T10:00")


def test_a_story_someone_else_moved_meanwhile_stays_put(editor_client, make_article, editor):
    story = _scheduled(make_article, editor, timezone.now() + timedelta(days=1))
    shown = story.publish_at - timedelta(hours=1)

    assert "after you loaded the calendar" in _refused(editor_client, story, "2099-01-01T10:00", shown=shown)


def test_a_story_that_is_live_cannot_be_moved(editor_client, make_article, editor):
    published = make_article("published", editor=editor)
    gone_live = _scheduled(make_article, editor, timezone.now() + timedelta(days=1))
    Article.objects.filter(pk=gone_live.pk).update(publish_at=timezone.now() - timedelta(minutes=1))
    gone_live.refresh_from_db()

    assert "published cannot be unscheduled" in _refused(editor_client, published, "2099-01-01T10:00")
    assert "already live" in _refused(editor_client, gone_live, "2099-01-01T10:00")


def test_a_story_missing_its_checklist_stays_where_it_was(editor_client, make_article, editor, image):
    story = _scheduled(make_article, editor, timezone.now() + timedelta(days=1))
    type(image).objects.filter(pk=image.pk).update(alt_text="")  # publishing now needs alt text

    assert "Missing: Alt text" in _refused(editor_client, story, "2099-01-01T10:00")


@pytest.mark.parametrize("forward", [True, False], ids=["skipped: 02:00 → 03:00", "twice: 03:00 → 02:00"])
def test_a_time_the_clocks_skip_or_repeat_is_refused(editor_client, make_article, editor, settings, forward):
    settings.TIME_ZONE = "Europe/Berlin"
    day = _clock_change(ZoneInfo("Europe/Berlin"), forward=forward)
    story = _scheduled(make_article, editor, timezone.now() + timedelta(days=1))

    message = _refused(editor_client, story, f"{day:%Y-%m-%d}T02:30")
    assert message.startswith("Not moved:") and "time zone" in message


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"article": "x", "shown": "x", "publish_at_0": "x", "publish_at_1": "x"},
        {
            "article": "99999",
            "shown": "2030-01-01T00:00:00+00:00",
            "publish_at_0": "2099-01-01",
            "publish_at_1": "10:00",
        },
        {"article": "1", "shown": "2030-01-01T00:00:00", "publish_at_0": "2099-01-01", "publish_at_1": "10:00"},
        {
            "article": str(2**40),
            "shown": "2030-01-01T00:00:00+00:00",
            "publish_at_0": "99999-01-01",
            "publish_at_1": "10:00",
        },
        {"article": "1", "shown": "2030-01-01T00:00:00+00:00", "publish_at_0": "2099-02-30", "publish_at_1": "25:61"},
    ],
)
def test_hostile_moves_are_refused_with_a_message(editor_client, data):
    response = editor_client.post(CALENDAR, data)

    assert response.status_code == 302
    assert _messages(response)[0].startswith("Not moved:")


def test_the_page_names_the_newsrooms_zone(editor_client, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    response = editor_client.get(CALENDAR)
    assert "Times are in the newsroom's time zone, Europe/Berlin, with UTC beside them" in response.content.decode()
