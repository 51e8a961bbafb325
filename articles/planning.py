"""The planning calendar (/admin/calendar/): what goes live when, a week or a month at a time, in
the newsroom's time zone (``settings.TIME_ZONE``), by section, each entry one click from its
story; an editor moves a scheduled story to another minute from here, through the workflow.

What it shows comes from *sources*, each one query for the period shown:

- scheduled publications: ``Article.objects.scheduled_for_later`` (the model has no separate
  embargo: a scheduled story is embargoed until its go-live minute, since nobody, readers,
  feeds, the API or partners, sees it before; so each of these entries is also an embargo lifting);
- what already went live in the period (``Article.objects.live``), for context; not movable.

- scheduled changes to live stories (an update or correction going out at a set minute:
  ``PendingChanges.scheduled_for``), moved or cancelled from the story's change form.

Another source is registered with ``planning.register_source(source)``, where
``source(articles, start, end, now)`` returns ``Entry`` objects for ``articles`` (a queryset
already filtered by section) between the aware datetimes ``start`` (included) and ``end``.

Days are the newsroom's days: a story at 23:30 local time is on that local day, whatever the
date in UTC, and a day is 23 or 25 hours long when the clocks change.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.contrib.admin import site as admin_site
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import dates as django_dates
from django.utils import timezone
from django.utils.http import urlencode

from articles import workflow
from articles.models import Article, Section
from articles.permissions import article_policy
from newsroom.core import dates

WEEK, MONTH = "week", "month"
# Years a URL may name: their weeks' and months' bounds convert to UTC and back without overflow.
FIRST_YEAR, LAST_YEAR = 1970, 2999
WEEK_PATTERN = re.compile(r"(\d{4})-W(\d{2})", re.ASCII)  # <input type="week">'s value: "2026-W49"
MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})", re.ASCII)  # <input type="month">'s value: "2026-12"


@dataclass
class Entry:
    """One thing on the calendar: ``article`` at the moment ``at``."""

    article: Article
    at: datetime
    kind: str  # for styles and tests: "publication", "published", or a registered source's own
    label: str  # what happens then, in words (the kind is never told by colour alone)
    movable: bool = False  # rescheduled from the calendar through ``reschedule``

    @property
    def local(self):
        return timezone.localtime(self.at)

    @property
    def local_time(self):
        return f"{self.local:%H:%M}"

    @property
    def utc_time(self):
        """ "09:00 UTC" when the newsroom is not on UTC, else "" (the local time says it)."""
        return "" if self.local.tzname() == "UTC" else f"{self.at.astimezone(UTC):%H:%M} UTC"

    @property
    def machine(self):
        return dates.machine(self.at)

    @property
    def shown(self):
        """The moment exactly, for the "Move" form to say what the editor saw."""
        return self.at.astimezone(UTC).isoformat()

    @property
    def form_date(self):
        return f"{self.local:%Y-%m-%d}"

    @property
    def form_time(self):
        return f"{self.local:%H:%M}"


def scheduled_publications(articles, start, end, now):
    scheduled = articles.scheduled_for_later(now).filter(publish_at__gte=start, publish_at__lt=end)
    return [Entry(a, a.publish_at, "publication", "Goes live", True) for a in scheduled]


def went_live(articles, start, end, now):
    live = articles.live(now).filter(publish_at__gte=start, publish_at__lt=end)
    return [Entry(a, a.publish_at, "published", "Went live") for a in live]


def scheduled_changes(articles, start, end, now):
    """Live stories' changes scheduled for a minute (``PendingChanges.scheduled_for``): moved or
    cancelled from the story's change form, where they were scheduled."""
    changing = articles.filter(
        pending_changes__scheduled_for__gte=start, pending_changes__scheduled_for__lt=end
    ).annotate(changes_at=F("pending_changes__scheduled_for"))
    return [Entry(a, a.changes_at, "changes", "Changes go live") for a in changing]


SOURCES = [scheduled_publications, scheduled_changes, went_live]


def register_source(source):
    """Add what ``source(articles, start, end, now)`` returns to every calendar page (one query)."""
    SOURCES.append(source)


def day_start(day):
    """The first moment of ``day`` in the newsroom's zone, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


@dataclass(frozen=True)
class Period:
    kind: str  # WEEK or MONTH
    first: date  # a week's Monday, a month's 1st

    @classmethod
    def containing(cls, kind, day):
        if kind == WEEK:
            return cls(WEEK, day - timedelta(days=day.weekday()))
        return cls(MONTH, day.replace(day=1))

    @property
    def last(self):
        """The period's last day."""
        if self.kind == WEEK:
            return self.first + timedelta(days=6)
        return self.next.first - timedelta(days=1)

    @property
    def weeks(self):
        """The calendar's rows: lists of seven days, Monday first, covering the period."""
        monday = self.first - timedelta(days=self.first.weekday())
        rows = []
        while monday <= self.last:
            rows.append([monday + timedelta(days=n) for n in range(7)])
            monday += timedelta(days=7)
        return rows

    @property
    def previous(self):
        if self.kind == WEEK:
            return Period(WEEK, self.first - timedelta(days=7))
        return Period(MONTH, (self.first - timedelta(days=1)).replace(day=1))

    @property
    def next(self):
        if self.kind == WEEK:
            return Period(WEEK, self.first + timedelta(days=7))
        return Period(MONTH, (self.first + timedelta(days=31)).replace(day=1))

    @property
    def value(self):
        """As the URL names it: "2026-W49" or "2026-12"."""
        if self.kind == WEEK:
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.first:%Y-%m}"

    @property
    def title(self):
        if self.kind == MONTH:
            return f"{django_dates.MONTHS[self.first.month]} {self.first.year}"
        last = self.last
        start = f"{self.first.day} {django_dates.MONTHS_3[self.first.month].title()}"
        if self.first.year != last.year:
            start += f" {self.first.year}"
        week = self.first.isocalendar().week
        return f"Week {week}: {start} – {last.day} {django_dates.MONTHS_3[last.month].title()} {last.year}"

    def bounds(self):
        """The first moment shown and the first one after, in UTC (the grid's whole weeks)."""
        weeks = self.weeks
        return day_start(weeks[0][0]), day_start(weeks[-1][-1] + timedelta(days=1))


class BadQuery(ValueError):
    """A calendar URL naming no period or section; ``str()`` says what, for the editor."""


def parse_period(params, today):
    """The period ``?week=2026-W49`` or ``?month=2026-12`` names; this week without either."""
    week, month = params.get("week"), params.get("month")
    if week is not None and month is not None:
        raise BadQuery("Ask for a week or a month, not both.")
    if week is not None:
        match = WEEK_PATTERN.fullmatch(week)
        try:
            if not match or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
                raise ValueError
            return Period(WEEK, date.fromisocalendar(int(match[1]), int(match[2]), 1))
        except ValueError:
            raise BadQuery(f"“{week[:40]}” is not a week (write it as 2026-W49).") from None
    if month is not None:
        match = MONTH_PATTERN.fullmatch(month)
        if not match or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR or not 1 <= int(match[2]) <= 12:
            raise BadQuery(f"“{month[:40]}” is not a month (write it as 2026-12).")
        return Period(MONTH, date(int(match[1]), int(match[2]), 1))
    return Period.containing(WEEK, today)


def parse_section(params, sections):
    """The section ``?section=<id>`` names, among ``sections``; None without it (all sections)."""
    value = params.get("section", "")
    if value == "":
        return None
    for section in sections:
        if str(section.pk) == value:
            return section
    raise BadQuery(f"There is no section “{value[:40]}”.")


def entries_between(start, end, section=None, now=None):
    """Every source's entries from ``start`` to ``end``, in time order."""
    now = now or timezone.now()
    articles = Article.objects.select_related("section").defer("body")
    if section is not None:
        articles = articles.filter(section=section)
    entries = [entry for source in SOURCES for entry in source(articles, start, end, now)]
    return sorted(entries, key=lambda entry: (entry.at, entry.article.headline))


def may_see_calendar(user):
    """Whoever may see articles may see when they go live (writers too; only publishers move them)."""
    return article_policy.user_has_permission(user, "view")


class RescheduleForm(forms.Form):
    """What an entry's "Move" form posts (the template writes its inputs, one set per entry): the
    story, the go-live time the editor saw, and the new one as a date and a time (two inputs fit
    a calendar cell; one datetime-local does not) in the newsroom's zone, where a time that does
    not exist or happens twice is refused."""

    article = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    shown = forms.CharField(max_length=40)
    publish_at = forms.SplitDateTimeField(input_date_formats=["%Y-%m-%d"], input_time_formats=["%H:%M", "%H:%M:%S"])

    def clean_shown(self):
        try:
            shown = datetime.fromisoformat(self.cleaned_data["shown"])
        except ValueError:
            raise forms.ValidationError("Reload the calendar and try again.") from None
        if timezone.is_naive(shown):
            raise forms.ValidationError("Reload the calendar and try again.")
        return shown


class Moved(workflow.WorkflowError):
    """Someone else moved or published the story after the calendar was loaded."""


def reschedule(article_id, user, publish_at, shown_at):
    """Move a scheduled story to ``publish_at`` through the workflow: unschedule, then schedule at
    the new minute, in one transaction (a refused step leaves it where it was, two ``Transition``
    rows when both are taken). ``shown_at`` is the go-live time the editor saw: if it has changed
    since, nothing moves."""
    publish_at = workflow.go_live_time(publish_at)  # a past minute is refused before anything
    with transaction.atomic():
        article = Article.objects.select_for_update(of=("self",)).filter(pk=article_id).first()
        if article is None:
            raise Moved("That story no longer exists.")
        if article.publish_at != shown_at:
            raise Moved("Someone changed this story's go-live time after you loaded the calendar; nothing was moved.")
        was = timezone.localtime(article.publish_at)
        comment = f"Moved in the planning calendar from {was:%d %b %Y, %H:%M %Z}."
        workflow.unschedule(article, user, comment=comment)
        workflow.schedule(article, user, publish_at, comment=comment)
    return article


def calendar_view(request):
    if not may_see_calendar(request.user):
        raise PermissionDenied
    if request.method == "POST":
        return _reschedule_from_form(request)
    today = timezone.localdate()
    sections = list(Section.objects.all())
    status = 200
    try:
        period = parse_period(request.GET, today)
        section = parse_section(request.GET, sections)
    except BadQuery as problem:
        # A hand-edited or stale URL: say so, and show this week of every section instead.
        messages.error(request, f"{problem} Showing this week instead.")
        period, section, status = Period.containing(WEEK, today), None, 400
    start, end = period.bounds()
    by_day = {}
    for entry in entries_between(start, end, section):
        by_day.setdefault(timezone.localtime(entry.at).date(), []).append(entry)
    may_move = article_policy.user_has_permission(request.user, "publish")

    def link(**params):
        if section is not None:
            params["section"] = section.pk
        return "?" + urlencode(params)

    in_period = today if period.first <= today <= period.last else period.first
    context = {
        **admin_site.each_context(request),
        "title": "Planning calendar",
        "is_nav_sidebar_enabled": False,  # the week's seven columns need the width
        "period": period,
        "section": section,
        "sections": sections,
        "zone_name": timezone.get_current_timezone_name(),
        "weeks": [
            [
                {
                    "day": day,
                    "entries": by_day.get(day, []),
                    "is_today": day == today,
                    "outside": not period.first <= day <= period.last,
                }
                for day in week
            ]
            for week in period.weeks
        ],
        "weekdays": [(django_dates.WEEKDAYS_ABBR[n], django_dates.WEEKDAYS[n]) for n in range(7)],
        "has_entries": bool(by_day),
        "may_move": may_move,
        "previous_url": link(**{period.kind: period.previous.value}),
        "next_url": link(**{period.kind: period.next.value}),
        "today_url": link(**{period.kind: Period.containing(period.kind, today).value}),
        "week_url": link(week=Period.containing(WEEK, in_period).value),
        "month_url": link(month=Period.containing(MONTH, in_period).value),
        "query": request.GET.urlencode() if status == 200 else "",
    }
    return TemplateResponse(request, "admin/articles/calendar.html", context, status=status)


def _reschedule_from_form(request):
    form = RescheduleForm(request.POST)
    back = reverse("admin:calendar")
    if not form.is_valid():
        problems = [error for field_errors in form.errors.values() for error in field_errors]
        messages.error(request, "Not moved: " + " ".join(problems))
        return HttpResponseRedirect(back + _same_view(request))
    data = form.cleaned_data
    try:
        article = reschedule(data["article"], request.user, data["publish_at"], data["shown"])
    except workflow.WorkflowError as refusal:
        messages.error(request, f"Not moved: {refusal}")
        return HttpResponseRedirect(back + _same_view(request))
    messages.success(request, f"“{article.headline}” now goes live {dates.desk(article.publish_at)}.")
    # Show where it went: the period of the same kind holding its new day.
    new_day = timezone.localtime(article.publish_at).date()
    kind = MONTH if "month" in request.GET else WEEK
    params = {kind: Period.containing(kind, new_day).value}
    if request.GET.get("section"):
        params["section"] = request.GET["section"]
    return HttpResponseRedirect(back + "?" + urlencode(params))


def _same_view(request):
    return "?" + request.GET.urlencode() if request.GET else ""
