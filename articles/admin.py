"""The editors' admin for articles. It translates clicks into calls: content saves go to
``services.save_article``, status changes to ``workflow``, and both decide; who may do what is
``articles.permissions``' answer."""

import contextlib
import functools
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.forms.formsets import all_valid
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.csp import CSP
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override

from articles import presence, presentation, preview, revisions, services, workflow
from articles.forms import PUBLISH_CHANGES, ArticleForm, ChangeStepForm, TransitionForm
from articles.models import (
    Article,
    ArticleVehicle,
    Author,
    Byline,
    Correction,
    MarketReport,
    PendingChanges,
    Revision,
    Section,
    Status,
    Tag,
    Transition,
)
from articles.permissions import (
    article_policy,
    author_policy,
    correction_policy,
    section_policy,
    tag_policy,
    transition_policy,
)
from articles.planning import calendar_view, may_see_calendar
from articles.tag_input import TagSuggestions
from articles.templatetags.workflow_words import step_done
from newsroom.core import dates
from newsroom.core.admin import (
    KnownKeysAdmin,
    KnownKeysAutocompleteSelect,
    LabelledCells,
    PolicyAdmin,
    ShownRecordGuard,
)
from newsroom.media.renditions import nearest_renditions
from vehicles import admin as vehicles_admin
from vehicles.forms import MarketAvailabilityForm
from vehicles.models import MarketAvailability, ModelYear, VehicleModel

# The planning calendar (articles.planning) at /admin/calendar/, linked from the admin's top bar.
admin.site.register_page(
    "calendar/", calendar_view, name="calendar", label="Planning calendar", shown_to=may_see_calendar
)

# The largest id or version a URL or form may name; anything bigger names nothing.
MAX_NUMBER = 2**31 - 1


def positive_number(value):
    """``value`` as a positive integer if it is one written in ASCII digits, else None.

    ``str.isdigit`` alone also accepts digits such as "²" that ``int`` rejects."""
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_NUMBER else None


@admin.register(Section)
class SectionAdmin(ShownRecordGuard, admin.ModelAdmin):
    permission_policy = section_policy
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Tag)
class TagAdmin(TagSuggestions, ShownRecordGuard, admin.ModelAdmin):
    permission_policy = tag_policy
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Author)
class AuthorAdmin(ShownRecordGuard, admin.ModelAdmin):
    permission_policy = author_policy
    list_display = ("name", "slug", "user")
    list_select_related = ("user",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("user",)


class SharedChoicesFormSet(forms.BaseInlineFormSet):
    """Every row's select offers the same rows: load them once, not once per row."""

    shared_choice_fields = ()
    # The rows replace the article's stored ones (a pending draft's rows, ``ArticlePartInline``):
    # each is unique among these rows, not against the stored rows they replace.
    replaces_rows = False

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.replaces_rows:
            form.validate_unique = form.validate_constraints = lambda: None
        return form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # iter(): list() would ask the choices for their length first, one COUNT query more.
        self._shared_choices = {
            name: list(iter(self.form.base_fields[name].choices))
            for name in self.shared_choice_fields
            if name in self.form.base_fields
        }
        for form in self.forms:
            self._share(form)

    def _share(self, form):
        for name, choices in self._shared_choices.items():
            form.fields[name].choices = choices

    @cached_property
    def empty_form(self):
        form = super().empty_form
        self._share(form)
        return form


class BatchedAutocompleteSelect(KnownKeysAutocompleteSelect):
    """An autocomplete whose selected labels were looked up once for the whole formset."""

    selected_labels = None

    def optgroups(self, name, value, attr=None):
        if self.selected_labels is None:
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        for pk in value:
            if str(pk) in self.selected_labels:
                options.append(self.create_option(name, pk, self.selected_labels[str(pk)], True, len(options)))
        return [(None, options, 0)]


class BylineFormSet(SharedChoicesFormSet):
    shared_choice_fields = ("author",)


class ArticleVehicleFormSet(SharedChoicesFormSet):
    shared_choice_fields = ("model_year",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = {str(form["vehicle_model"].value()) for form in self.forms} - {"None", ""}
        labels = (
            {
                str(model.pk): str(model)
                for model in VehicleModel.objects.select_related("make").filter(
                    pk__in=[pk for pk in map(positive_number, chosen) if pk is not None]
                )
            }
            if chosen
            else {}
        )
        for form in [*self.forms, self.empty_form]:
            form.fields["vehicle_model"].widget.widget.selected_labels = labels


class ArticlePartInline(LabelledCells, PolicyAdmin, admin.TabularInline):
    """Bylines and vehicles are part of the article: whoever may edit it may edit them."""

    permission_policy = article_policy
    extra = 0

    def _may_edit(self, request, obj):
        return self.user_may(request, "change", obj) if obj is not None else self.user_may(request, "add")

    def has_view_permission(self, request, obj=None):
        return self.user_may(request, "view") or self._may_edit(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    # With pending changes loaded (``ArticleAdmin.get_object``) the rows shown are the draft's,
    # not the live ones: they are offered as new rows, and saving replaces the rows with them
    # (``ArticleAdmin.save_related``), which for a live article happens only inside the draft.
    def draft_rows(self, snapshot):
        raise NotImplementedError

    def get_extra(self, request, obj=None, **kwargs):
        snapshot = getattr(obj, "draft_snapshot", None)
        return len(self.draft_rows(snapshot)) if snapshot is not None and request.method == "GET" else self.extra

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if getattr(obj, "draft_snapshot", None) is None:
            return formset
        return type(formset.__name__, (formset,), {"replaces_rows": True})

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        snapshot = getattr(obj, "draft_snapshot", None)
        if snapshot is not None:
            kwargs["queryset"] = self.model.objects.none()
            if request.method == "GET":
                kwargs["initial"] = self.draft_rows(snapshot)
        return kwargs


class BylineInline(ArticlePartInline):
    model = Byline
    formset = BylineFormSet
    fields = ("author", "position")
    verbose_name = "byline"

    def draft_rows(self, snapshot):
        return [{"author": row["id"], "position": i} for i, row in enumerate(snapshot.get("authors", []))]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "author":
            kwargs["queryset"] = Author.objects.order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ArticleVehicleInline(ArticlePartInline):
    model = ArticleVehicle
    formset = ArticleVehicleFormSet
    fields = ("vehicle_model", "model_year", "position")
    autocomplete_fields = ("vehicle_model",)
    verbose_name = "vehicle"

    def draft_rows(self, snapshot):
        return [
            {"vehicle_model": row["id"], "model_year": row.get("model_year"), "position": i}
            for i, row in enumerate(snapshot.get("vehicles", []))
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("vehicle_model__make")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "model_year":
            kwargs["queryset"] = ModelYear.objects.select_related("vehicle_model__make")
        if db_field.name == "vehicle_model":
            kwargs["widget"] = BatchedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AuthorFilter(admin.SimpleListFilter):
    title = "author"
    parameter_name = "author"

    def lookups(self, request, model_admin):
        return [(str(a.pk), a.name) for a in Author.objects.order_by("name")]

    def queryset(self, request, queryset):
        author_id = positive_number(self.value())
        if author_id is not None:
            return queryset.filter(bylines__author_id=author_id)
        return queryset


class VisibilityFilter(admin.SimpleListFilter):
    """Scheduled for later versus live now, by the one rule (``Article.objects.live``)."""

    title = "visibility"
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return [("live", "Live now"), ("scheduled", "Scheduled for later"), ("not_live", "Not public")]

    def queryset(self, request, queryset):
        live = Article.objects.live().values("pk")
        if self.value() == "live":
            return queryset.filter(pk__in=live)
        if self.value() == "scheduled":
            return queryset.scheduled_for_later()
        if self.value() == "not_live":
            return queryset.exclude(pk__in=live)
        return queryset


class QuickFilter:
    """One chip above the article list: a name for the URL, the words on the chip, and the
    articles it keeps, given the request (whose drafts are "mine")."""

    def __init__(self, name, label, keep):
        self.name, self.label, self.keep = name, label, keep


def _my_drafts(queryset, request):
    """Drafts the user started or has a byline on (``article_policy.owned_by``, as on the desk)."""
    mine = Article.objects.filter(article_policy.owned_by(request.user), status=Status.DRAFT)
    return queryset.filter(pk__in=mine.values("pk"))


def _waiting_for_review(queryset, request):
    return queryset.filter(status=Status.IN_REVIEW)


def _scheduled_today(queryset, request):
    """Still to go live (``scheduled_for_later``), at a minute of today in the newsroom's time zone."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return queryset.scheduled_for_later().filter(publish_at__gte=start, publish_at__lt=start + timedelta(days=1))


def _pending_changes(queryset, request):
    """Live stories with saved changes readers do not see yet (``PendingChanges``)."""
    return queryset.live().filter(pk__in=PendingChanges.objects.values("article_id"))


def _changes_scheduled(queryset, request):
    """Live stories whose pending changes are scheduled to go live at a set minute."""
    return queryset.filter(pk__in=PendingChanges.objects.filter(scheduled_for__isnull=False).values("article_id"))


# The quick filters, in the order of their chips. Another filter is one more entry here.
QUICK_FILTERS = {
    quick.name: quick
    for quick in [
        QuickFilter("my_drafts", "My drafts", _my_drafts),
        QuickFilter("in_review", "Waiting for review", _waiting_for_review),
        QuickFilter("scheduled_today", "Scheduled today", _scheduled_today),
        QuickFilter("pending_changes", "Live with pending changes", _pending_changes),
        QuickFilter("changes_scheduled", "Changes scheduled", _changes_scheduled),
    ]
}


class QuickFilterChips(admin.SimpleListFilter):
    """``QUICK_FILTERS`` as one of the list's filters (``?show=…``), shown as chips above the list
    (``change_list.html``) rather than in the sidebar. A value it does not know filters nothing."""

    title = "quick filter"
    parameter_name = "show"
    template = "admin/articles/article/_quick_filter_in_sidebar.html"

    def lookups(self, request, model_admin):
        return [(quick.name, quick.label) for quick in QUICK_FILTERS.values()]

    def queryset(self, request, queryset):
        quick = QUICK_FILTERS.get(self.value())
        return quick.keep(queryset, request) if quick else queryset


def articles_count(count):
    return f"{count} article" if count == 1 else f"{count} articles"


def _bulk(action_name):
    """An admin action applying one workflow step to each selected article; refusals are listed."""

    def run(modeladmin, request, queryset):
        done, refused = 0, []
        for article in queryset:
            try:
                workflow.perform(action_name, article, request.user)
                done += 1
            except workflow.WorkflowError as error:
                refused.append(f"“{article.headline}” was not {past}: {error}")
        if done:
            modeladmin.message_user(request, f"{articles_count(done)} {past}.")
        for line in refused:
            modeladmin.message_user(request, line, messages.ERROR)

    action = workflow.ACTIONS[action_name]
    past = workflow.past_tense(action)
    run.__name__ = f"bulk_{action_name}"
    return admin.action(description=f"{action.label} (selected articles)", permissions=[action.permission])(run)


# The list's thumbnail: the cards' 16:9 crop nearest this width, among the renditions the task
# worker has made for readers. The list never makes one (``nearest_renditions``).
THUMBNAIL_SPEC = "fill-16x9-320"
# How each status looks in the list: a symbol beside the words, so colour is never the only signal.
STATUS_SYMBOLS = {
    Status.DRAFT: "✎",
    Status.IN_REVIEW: "◔",
    Status.APPROVED: "✓",
    Status.SCHEDULED: "◷",
    Status.PUBLISHED: "●",
    Status.WITHDRAWN: "⊘",
}


def status_words(article):
    """The article's status as an editor says it: "Live" whenever readers can see it (a scheduled
    article past its minute included: ``Article.is_live``, the one rule), "Live, changes scheduled
    for 5 Dec 14:00" when the list loaded such a minute (``changes_scheduled_for``), "Scheduled
    for 5 Dec 14:00" (the newsroom's time) before its minute, else the status's own label."""
    if article.is_live():
        changes_at = getattr(article, "changes_scheduled_for", None)
        return "live", f"Live, changes scheduled for {_short_moment(changes_at)}" if changes_at else "Live"
    if article.status == Status.SCHEDULED and article.publish_at:
        return Status.SCHEDULED, f"Scheduled for {_short_moment(article.publish_at)}"
    return article.status, Status(article.status).label


def _short_moment(moment):
    """ "5 Dec 14:00" in the newsroom's time ("5 Dec 2027 14:00" in another year)."""
    when = timezone.localtime(moment)
    return dateformat.format(when, "j M H:i" if when.year == timezone.localtime().year else "j M Y H:i")


# What the editor is told after each workflow step, after the headline (see ``done_message``).
DONE_MESSAGES = {
    "submit": "was submitted for review.",
    "approve": "was approved: it can now be scheduled or published.",
    "send_back": "was sent back to the writer as a draft.",
    "publish": "was published: readers can see it now.",
    "unschedule": "was taken off the schedule: it is approved and not public.",
    "update": "was updated: readers see the new version now.",
    "correct": "was corrected: readers see the notice under it now.",
    "withdraw": "was withdrawn: readers who open it are told why.",
    "redraft": "was returned to draft.",
}


def done_message(step, article):
    """What the editor is told after a workflow step, in words: "“Camry returns” was published:
    readers can see it now." or "“Camry returns” is scheduled for 5 Dec 14:00." """
    if step.name == "schedule":
        return f"“{article.headline}” is {status_words(article)[1].lower()}."
    return f"“{article.headline}” {DONE_MESSAGES.get(step.name, f'was {workflow.past_tense(step)}.')}"


def change_step_message(step, article):
    """What the editor is told after a step on pending changes."""
    if step == "schedule_changes":
        when = services.pending_changes(article).scheduled_for
        return f"Changes scheduled for {dates.desk(when)}: readers see the live version until then."
    if step == "unschedule_changes":
        return "Scheduled changes cancelled: they stay a draft, and readers keep the live version."
    return f"{workflow.CHANGE_STEP_LABELS[step]}: done."


def status_badge(article):
    """``status_words`` as a badge: symbol, words and colour together."""
    state, words = status_words(article)
    symbol = "●" if state == "live" else STATUS_SYMBOLS.get(article.status, "")
    return format_html(
        '<span class="article-status article-status-{}"><span aria-hidden="true">{}</span> {}</span>',
        state,
        symbol,
        words,
    )


@admin.register(Article)
class ArticleAdmin(PolicyAdmin, KnownKeysAdmin, admin.ModelAdmin):
    permission_policy = article_policy
    form = ArticleForm
    change_form_template = "admin/articles/article/change_form.html"
    change_list_template = "admin/articles/article/change_list.html"
    # Section and byline go under the headline: at 1280 px beside the admin's two sidebars, a column
    # each would leave the headline a word a line.
    list_display = ("thumbnail", "headline_lines", "status_label", "last_change")
    list_display_links = ("headline_lines",)
    list_filter = (QuickFilterChips, "status", "section", AuthorFilter, VisibilityFilter)
    search_fields = ("headline", "standfirst", "slug")
    date_hierarchy = "updated_at"
    list_per_page = 50
    inlines = (BylineInline, ArticleVehicleInline)
    readonly_fields = ("status_label", "publish_at", "first_published_at", "last_published_at", "version")
    actions = [_bulk("submit"), _bulk("approve"), _bulk("publish")]
    fieldsets = (
        (None, {"fields": ("headline", "slug", "standfirst", "body")}),
        ("Filing", {"fields": ("section", "tags", "lead_image")}),
        (
            "Publishing",
            {"fields": ("status_label", "publish_at", "first_published_at", "last_published_at", "version")},
        ),
        ("This save", {"fields": ("revision_message", "correction_note", "loaded_status")}),
    )

    class Media:
        js = ("desk/field-names.js",)

    # -- permissions: article_policy's answers (PolicyAdmin), and for the bulk actions ---------

    def has_submit_permission(self, request):
        return self.user_may(request, "submit")

    def has_approve_permission(self, request):
        return self.user_may(request, "approve")

    def has_publish_permission(self, request):
        return self.user_may(request, "publish")

    # -- list -----------------------------------------------------------------------------------

    def get_queryset(self, request):
        last_editor = (
            Revision.objects.filter(article=OuterRef("pk")).order_by("-version").values("created_by__username")[:1]
        )
        return (
            super()
            .get_queryset(request)
            .select_related("section", "lead_image")
            .defer("body")
            .prefetch_related(
                Prefetch("bylines", queryset=Byline.objects.select_related("author")), presentation.CARD_IMAGES
            )
            .annotate(
                last_editor_name=Subquery(last_editor),
                changes_scheduled_for=F("pending_changes__scheduled_for"),
            )
            .with_live_now()
        )

    @admin.display(description="image")
    def thumbnail(self, article):
        """The lead image's crop as readers' cards show it, small; a blank box while there is none."""
        rendition = None
        if article.lead_image_id:
            rendition = nearest_renditions(article.lead_image, [THUMBNAIL_SPEC], ["jpeg"])[(THUMBNAIL_SPEC, "jpeg")]
        if rendition is None:
            return mark_safe('<span class="article-thumb article-thumb-none"></span>')
        return format_html('<img class="article-thumb" src="{}" alt="" loading="lazy">', rendition.file.url)

    @admin.display(description="headline", ordering="headline")
    def headline_lines(self, article):
        """The headline on at most two lines (the stylesheet clamps it; the whole one is its title),
        with the section and byline under it."""
        filed = " · ".join(filter(None, [str(article.section or ""), self.author_names(article)]))
        return format_html(
            '<span class="article-headline" title="{}">{}</span><span class="article-filed">{}</span>',
            article.headline,
            article.headline,
            filed,
        )

    @admin.display(description="status", ordering="status")
    def status_label(self, article):
        return status_badge(article)

    def author_names(self, article):
        *names, last = [byline.author.name for byline in article.bylines.all()] or [""]
        return f"By {', '.join(names)} and {last}" if names else (f"By {last}" if last else "")

    @admin.display(description="last change", ordering="updated_at")
    def last_change(self, article):
        when = timezone.localtime(article.updated_at)
        editor = getattr(article, "last_editor_name", None)
        return format_html(
            '<time datetime="{}">{}</time>{}',
            when.isoformat(),
            dateformat.format(when, "j M H:i"),
            format_html('<span class="article-editor"> by {}</span>', editor) if editor else "",
        )

    # -- change form ----------------------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        return functools.partial(super().get_form(request, obj, change=change, **kwargs), user=request.user)

    def get_fieldsets(self, request, obj=None):
        content, filing, publishing, _this_save = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return [content, filing, publishing]  # read-only: there is no save to describe
        if obj is not None and obj.is_live() and self.user_may(request, "correct"):
            fields = ("revision_message", "correction_note", "loaded_status")
        else:
            fields = ("revision_message", "loaded_status")
        return [content, filing, publishing, ("This save", {"fields": fields})]

    def get_object(self, request, object_id, from_field=None):
        pk = positive_number(unquote(object_id))
        if pk is None:
            return None
        queryset = super().get_queryset(request).select_related("section", "lead_image", "created_by")
        if request.method == "POST":
            # Django runs a POST in one transaction: lock the row, so what the form checks
            # (version, status, services.check_save) is still true when the save writes.
            queryset = queryset.select_for_update(of=("self",))
        article = queryset.with_live_now().filter(pk=pk).first()
        if article is not None:
            self._load_pending_changes(article)
        return article

    def _load_pending_changes(self, article):
        """With changes pending, the form shows the draft (the editor continues where they left
        off) at the draft's version, which is the one a save must name; ``live_revision`` is what
        readers see."""
        article.pending = services.pending_changes(article)
        article.draft_snapshot = None
        if article.pending is None:
            return
        article.live_revision = (
            Revision.objects.select_related("created_by").filter(article=article, version=article.version).first()
        )
        article.draft_snapshot = article.pending.revision.snapshot
        revisions.apply_snapshot(article, article.draft_snapshot)
        article.version = article.pending.revision.version

    def save_model(self, request, obj, form, change):
        """Nothing yet: the row, its related rows and its revision are written together in
        ``save_related`` by ``services.save_article``."""

    def save_related(self, request, form, formsets, change):
        def related():
            if getattr(form.instance, "draft_snapshot", None) is not None:
                # The formsets hold the draft's rows as new ones: they replace the rows.
                Byline.objects.filter(article=form.instance).delete()
                ArticleVehicle.objects.filter(article=form.instance).delete()
            super(ArticleAdmin, self).save_related(request, form, formsets, change)

        services.save_article(
            form.instance,
            request.user,
            form.expected_version,
            message=form.cleaned_data.get("revision_message") or ("Edited" if change else "Created"),
            save_related=related,
        )
        form.instance.saved_as_draft = change and form.instance.is_live()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(self._workflow_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _workflow_context(self, request, article):
        if article is None or article.pk is None:
            return {}
        actions = workflow.allowed_actions(request.user, article)
        shown = actions
        if getattr(article, "pending", None) is not None:
            # With changes pending, "Publish changes" is the update: an update or correction of the
            # live version alone would leave readers and the editor guessing which one went out.
            shown = [action for action in actions if action.name not in ("update", "correct")]
        return {
            "workflow_actions": shown,
            "checklist": workflow.publish_checklist(article),
            "transitions": article.transitions.select_related("user")[:20],
            "corrections": list(article.corrections.select_related("created_by")),
            "is_live": article.is_live(),
            "share_url": preview.share_url(article) if self.user_may(request, "share", article) else "",
            "share_hours": round(settings.PREVIEW_LINK_MAX_AGE / 3600),
            **self._pending_changes_context(request, article, actions),
            "others_editing": presence.others_editing(article, request.user, record=request.method == "GET"),
        }

    def _pending_changes_context(self, request, article, actions):
        pending = getattr(article, "pending", None)
        may_save = self.has_change_permission(request, article)
        may_publish = any(action.name == "update" for action in actions)
        context = {
            "pending": pending,
            # The buttons beside Save on a live story: what saving the draft leads to at once.
            "may_publish_changes": may_save and may_publish,
            "may_submit_changes": may_save and not may_publish and self.user_may(request, "submit", article),
        }
        if pending is None:
            return context
        live = getattr(article, "live_revision", None)
        return {
            **context,
            "live_revision": live,
            "live_version": pending.live_version if live is None else live.version,
            "draft_changes": revisions.diff(live.snapshot, pending.revision.snapshot) if live else [],
            "change_steps": [
                (name, workflow.CHANGE_STEP_LABELS[name])
                for name in workflow.allowed_change_steps(request.user, article, pending)
            ],
        }

    def response_add(self, request, obj, post_url_continue=None):
        self._submit_if_asked(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._submit_if_asked(request, obj)
        if getattr(obj, "saved_as_draft", False):
            self._take_change_step_if_asked(request, obj)
            # Django's own "was changed successfully" would tell the editor the story changed;
            # readers see nothing new, and the message just given says so.
            request.desk_said_what_the_save_did = True
        return super().response_change(request, obj)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if level == messages.SUCCESS and getattr(request, "desk_said_what_the_save_did", False):
            return  # the stock success message of ModelAdmin.response_change (the desk's are INFO)
        super().message_user(request, message, level, *args, **kwargs)

    def _take_change_step_if_asked(self, request, article):
        """The draft just saved over a live story: publish it, or submit it, when the editor
        pressed that button; else say that readers still see the live version."""
        form_data = request.POST
        try:
            if PUBLISH_CHANGES in form_data:
                services.publish_changes(
                    article,
                    request.user,
                    article.version,
                    correction=form_data.get("correction_note", "").strip(),
                    comment=form_data.get("revision_message", "").strip(),
                )
                self.message_user(request, "Changes published: readers and partners see them now.")
                return
            if "_submit_changes" in form_data:
                workflow.submit_changes(article, request.user)
                self.message_user(request, "Changes submitted for review; readers still see the live version.")
                return
        except (workflow.WorkflowError, services.EditConflict) as refusal:
            self.message_user(request, f"Saved as a draft, but not published: {refusal}", messages.ERROR)
            return
        self.message_user(
            request, "Saved as a draft of changes. Readers still see the live version until the changes are published."
        )

    def _submit_if_asked(self, request, article):
        if "_submit_for_review" not in request.POST:
            return
        try:
            workflow.submit(article, request.user)
            self.message_user(request, "Submitted for review.")
        except workflow.WorkflowError as error:
            self.message_user(request, f"Saved, but not submitted: {error}", messages.ERROR)

    # -- extra pages ----------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        # The side-by-side preview is shown in a frame of the change form, and only there.
        framed_by_the_desk = csp_override({**settings.SECURE_CSP, "frame-ancestors": [CSP.SELF]})
        live_preview = view(xframe_options_sameorigin(framed_by_the_desk(self.live_preview_view)))
        return [
            path("<int:pk>/preview/", view(self.preview_view), name="articles_article_preview"),
            path("live-preview/", live_preview, name="articles_article_live_preview"),
            path("<int:pk>/live-preview/", live_preview, name="articles_article_live_preview"),
            path("<int:pk>/workflow/<str:action>/", view(self.transition_view), name="articles_article_transition"),
            path("<int:pk>/changes/<str:step>/", view(self.change_step_view), name="articles_article_change_step"),
            path("<int:pk>/presence/", view(self.presence_view), name="articles_article_presence"),
            path("<int:pk>/revisions/", view(self.revisions_view), name="articles_article_revisions"),
            path("<int:pk>/revisions/compare/", view(self.compare_view), name="articles_article_compare"),
            path(
                "<int:pk>/revisions/<int:version>/restore/",
                view(self.restore_view),
                name="articles_article_restore",
            ),
            *super().get_urls(),
        ]

    def _article_or_404(self, request, pk):
        article = get_object_or_404(Article.objects.select_related("section", "lead_image").with_live_now(), pk=pk)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        return article

    def _page(self, request, article, template, title, **context):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": article,
                "title": title,
                "subtitle": article.headline,
                **context,
            },
        )

    def preview_view(self, request, pk):
        return preview.render_preview(request, self._article_or_404(request, pk))

    def live_preview_view(self, request, pk=None):
        """The change form beside its preview: the form as it stands (``pk`` None for a new
        article), posted each time the editor pauses, answered with the page readers would see,
        or 400 with the form's errors. Validated by the admin's own form and inline formsets, but
        not by the save-time checks (``ArticleForm.checks_save``); nothing is saved."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        stored = None
        if pk is not None:
            stored = get_object_or_404(Article.objects.select_related("section", "lead_image").with_live_now(), pk=pk)
        if not (self.has_change_permission(request, stored) if stored else self.has_add_permission(request)):
            raise PermissionDenied
        change = stored is not None
        form = self.get_form(request, stored, change=change)(
            request.POST, request.FILES, instance=stored, checks_save=False
        )
        form_valid = form.is_valid()
        # As the admin's own change view builds them (``changeform_view``): the bylines and vehicles.
        formsets, inlines = self._create_formsets(request, form.instance, change=change)
        if not (all_valid(formsets) and form_valid):
            return JsonResponse({"errors": preview.form_errors(form, zip(formsets, inlines, strict=True))}, status=400)
        return preview.render_preview(request, preview.unsaved_article(form, formsets))

    def transition_view(self, request, pk, action):
        article = self._article_or_404(request, pk)
        if action not in workflow.ACTIONS:
            raise Http404("No such workflow action.")
        step = workflow.ACTIONS[action]
        form = TransitionForm(request.POST if request.method == "POST" else None, action=step)
        error = None
        if request.method == "POST" and form.is_valid():
            try:
                workflow.perform(
                    action,
                    article,
                    request.user,
                    comment=form.cleaned_data["comment"],
                    publish_at=form.cleaned_data.get("publish_at"),
                    public_reason=form.cleaned_data.get("public_reason", ""),
                )
            except workflow.WorkflowError as refusal:
                error = refusal
            else:
                self.message_user(request, done_message(step, article))
                return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        allowed = any(a.name == action for a in workflow.allowed_actions(request.user, article))
        response = self._page(
            request,
            article,
            "admin/articles/article/transition.html",
            step.label,
            form=form,
            step=step,
            error=error,
            allowed=allowed,
            status_now=status_words(article)[1],
            status_after=Status(step.target).label,
            checklist=workflow.publish_checklist(article) if step.checklist else [],
        )
        if error is not None or (request.method == "POST" and not form.is_valid()):
            response.status_code = 400
        return response

    def change_step_view(self, request, pk, step):
        """A step on a live story's pending changes: publish (optionally as a correction),
        submit for review, send back, discard. GET asks for a comment; POST takes the step."""
        article = self._article_or_404(request, pk)
        if step not in workflow.CHANGE_STEP_LABELS:
            raise Http404("No such step.")
        self._load_pending_changes(article)
        label = workflow.CHANGE_STEP_LABELS[step]
        form = ChangeStepForm(request.POST if request.method == "POST" else None, step=step)
        error = None
        if request.method == "POST" and form.is_valid():
            try:
                self._take_change_step(request, article, step, form.cleaned_data)
            except (workflow.WorkflowError, services.EditConflict) as refusal:
                error = refusal
            else:
                self.message_user(request, change_step_message(step, article))
                return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        pending = article.pending
        allowed = step in workflow.allowed_change_steps(request.user, article, pending)
        response = self._page(
            request,
            article,
            "admin/articles/article/change_step.html",
            label,
            form=form,
            step=step,
            step_label=label,
            error=error,
            allowed=allowed,
            pending=pending,
            draft_changes=(
                revisions.diff(article.live_revision.snapshot, pending.revision.snapshot)
                if pending and article.live_revision
                else []
            ),
        )
        if error is not None or (request.method == "POST" and not form.is_valid()):
            response.status_code = 400
        return response

    def _take_change_step(self, request, article, step, data):
        expected_version = data["version"]
        if step == "publish_changes":
            services.publish_changes(
                article, request.user, expected_version, correction=data["correction_note"], comment=data["comment"]
            )
        elif step == "schedule_changes":
            services.schedule_changes(
                article,
                request.user,
                expected_version,
                data["live_from"],
                correction=data["correction_note"],
                comment=data["comment"],
            )
        elif step == "unschedule_changes":
            services.unschedule_changes(article, request.user, expected_version, data["comment"])
        elif step == "discard_changes":
            services.discard_changes(article, request.user, expected_version, data["comment"])
        elif step == "submit_changes":
            workflow.submit_changes(article, request.user, data["comment"])
        else:
            workflow.send_back_changes(article, request.user, data["comment"])

    def presence_view(self, request, pk):
        """The open change form's ping: this user is still editing; who else is."""
        article = self._article_or_404(request, pk)
        if request.method != "POST":
            return JsonResponse({"error": "POST only."}, status=405)
        others = presence.others_editing(article, request.user, record=True)
        return JsonResponse({"others": [presence.describe(entry) for entry in others]})

    def revisions_view(self, request, pk):
        article = self._article_or_404(request, pk)
        history = list(article.revisions.select_related("created_by").defer("snapshot"))
        return self._page(
            request,
            article,
            "admin/articles/article/revisions.html",
            "Revision history",
            revisions=history,
            transitions=article.transitions.select_related("user"),
            can_restore=self.has_change_permission(request, article),
            latest_version=services.latest_version(article),
            pending=services.pending_changes(article),
        )

    def compare_view(self, request, pk):
        article = self._article_or_404(request, pk)
        versions = [positive_number(request.GET.get("a")), positive_number(request.GET.get("b"))]
        if None in versions:
            raise Http404("Choose two revisions to compare.")
        found = {r.version: r for r in article.revisions.filter(version__in=versions).select_related("created_by")}
        old, new = (found.get(v) for v in sorted(versions))
        if old is None or new is None:
            raise Http404("No such revision.")
        return self._page(
            request,
            article,
            "admin/articles/article/compare.html",
            f"Changes from version {old.version} to {new.version}",
            old=old,
            new=new,
            changes=revisions.diff(old.snapshot, new.snapshot),
        )

    def restore_view(self, request, pk, version):
        article = self._article_or_404(request, pk)
        revision = get_object_or_404(Revision, article=article, version=version)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:articles_article_revisions", args=[pk]))
        try:
            expected_version = positive_number(request.POST.get("version")) or 0
            restored = services.restore_revision(revision, request.user, expected_version)
        except services.EditConflict as conflict:
            self.message_user(request, f"Not restored. {conflict.summary()}", messages.ERROR)
        except workflow.WorkflowError as error:
            self.message_user(request, f"Not restored: {error}", messages.ERROR)
        else:
            self.message_user(request, f"Version {version} restored as version {restored.version}.")
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[pk]))
        return HttpResponseRedirect(reverse("admin:articles_article_revisions", args=[pk]))


@admin.register(Transition)
class TransitionAdmin(PolicyAdmin, admin.ModelAdmin):
    """The audit log: read-only, for everyone allowed to see it."""

    permission_policy = transition_policy
    list_display = ("created_at", "article", "step", "from_status", "to_status", "user", "comment", "public_reason")
    list_filter = ("action", "to_status")
    list_select_related = ("article", "user")
    search_fields = ("article__headline", "comment", "public_reason", "user__username")
    date_hierarchy = "created_at"

    @admin.display(description="step", ordering="action")
    def step(self, transition):
        return step_done(transition.action)


@admin.register(Correction)
class CorrectionAdmin(PolicyAdmin, admin.ModelAdmin):
    """Corrections are published through the workflow; here they are listed."""

    permission_policy = correction_policy
    list_display = ("created_at", "article", "text", "created_by")
    list_select_related = ("article", "created_by")
    search_fields = ("article__headline", "text")


class ReportedLaunchForm(MarketAvailabilityForm):
    """A market launch's form, with the article that reported it (a ``MarketReport``, which this
    app keeps: the vehicles app's own form knows nothing of articles)."""

    reported_in = forms.ModelChoiceField(
        Article.objects.all(),
        required=False,
        label="Reported in",
        widget=KnownKeysAutocompleteSelect(MarketReport._meta.get_field("article"), admin.site),
    )

    class Meta(MarketAvailabilityForm.Meta):
        # Where editors have always found it: just before the note.
        fields = [name for name in MarketAvailabilityForm.Meta.fields if name != "note"] + ["reported_in", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with contextlib.suppress(MarketReport.DoesNotExist):  # not reported (or not saved yet)
            self.initial.setdefault("reported_in", self.instance.report.article_id)

    def _save_m2m(self):
        # Saved with the relations, after the launch itself: a new launch has its key by now.
        super()._save_m2m()
        if "reported_in" not in self.changed_data:
            return
        article = self.cleaned_data["reported_in"]
        if article is None:
            MarketReport.objects.filter(availability=self.instance).delete()
        else:
            MarketReport.objects.update_or_create(availability=self.instance, defaults={"article": article})


class ReportedLaunches:
    """Mixin for the vehicles app's launch admin and inline: the form with the reporting article,
    and each launch's report loaded with it."""

    form = ReportedLaunchForm

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("report")


class MarketAvailabilityInline(ReportedLaunches, vehicles_admin.MarketAvailabilityInline):
    pass


# The vehicles app's admin for launches and models, with the reporting article (the way a project
# adds a profile to Django's own UserAdmin): registered again here, above it.
admin.site.unregister(MarketAvailability)
admin.site.unregister(VehicleModel)


@admin.register(MarketAvailability)
class MarketAvailabilityAdmin(ReportedLaunches, vehicles_admin.MarketAvailabilityAdmin):
    pass


@admin.register(VehicleModel)
class VehicleModelAdmin(vehicles_admin.VehicleModelAdmin):
    inlines = [
        MarketAvailabilityInline if inline is vehicles_admin.MarketAvailabilityInline else inline
        for inline in vehicles_admin.VehicleModelAdmin.inlines
    ]
