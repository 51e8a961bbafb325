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
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles import preview, revisions, services, views, workflow
from articles.forms import ArticleForm, TransitionForm
from articles.models import (
    Article,
    ArticleVehicle,
    Author,
    Byline,
    Correction,
    MarketReport,
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
from articles.templatetags.workflow_words import step_done
from newsroom.core.admin import (
    KnownKeysAdmin,
    KnownKeysAutocompleteSelect,
    LabelledCells,
    NoPatternLookups,
    PolicyAdmin,
    ShownRecordGuard,
)
from newsroom.media.renditions import nearest_renditions
from vehicles import admin as vehicles_admin
from vehicles.forms import MarketAvailabilityForm
from vehicles.models import MarketAvailability, ModelYear, VehicleModel

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
class TagAdmin(ShownRecordGuard, admin.ModelAdmin):
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


class BylineInline(ArticlePartInline):
    model = Byline
    formset = BylineFormSet
    fields = ("author", "position")
    verbose_name = "byline"

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


# The quick filters, in the order of their chips. Another filter is one more entry here, e.g.
# "live with pending changes" once drafts over live stories exist (issue 17, part 1).
QUICK_FILTERS = {
    quick.name: quick
    for quick in [
        QuickFilter("my_drafts", "My drafts", _my_drafts),
        QuickFilter("in_review", "Waiting for review", _waiting_for_review),
        QuickFilter("scheduled_today", "Scheduled today", _scheduled_today),
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
    article past its minute included: ``Article.is_live``, the one rule), "Scheduled for 5 Dec
    14:00" (the newsroom's time) before then, else the status's own label."""
    if article.is_live():
        return "live", "Live"
    if article.status == Status.SCHEDULED and article.publish_at:
        when = timezone.localtime(article.publish_at)
        shown = dateformat.format(when, "j M H:i" if when.year == timezone.localtime().year else "j M Y H:i")
        return Status.SCHEDULED, f"Scheduled for {shown}"
    return article.status, Status(article.status).label


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
class ArticleAdmin(NoPatternLookups, PolicyAdmin, KnownKeysAdmin, admin.ModelAdmin):
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
    autocomplete_fields = ("tags", "lead_image")
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
            .prefetch_related(Prefetch("bylines", queryset=Byline.objects.select_related("author")), views.CARD_IMAGES)
            .annotate(
                last_editor_name=Subquery(last_editor),
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
        return queryset.with_live_now().filter(pk=pk).first()

    def save_model(self, request, obj, form, change):
        """Nothing yet: the row, its related rows and its revision are written together in
        ``save_related`` by ``services.save_article``."""

    def save_related(self, request, form, formsets, change):
        services.save_article(
            form.instance,
            request.user,
            form.expected_version,
            message=form.cleaned_data.get("revision_message") or ("Edited" if change else "Created"),
            save_related=lambda: super(ArticleAdmin, self).save_related(request, form, formsets, change),
            correction=form.cleaned_data.get("correction_note", ""),
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(self._workflow_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _workflow_context(self, request, article):
        if article is None or article.pk is None:
            return {}
        return {
            "workflow_actions": workflow.allowed_actions(request.user, article),
            "checklist": workflow.publish_checklist(article),
            "transitions": article.transitions.select_related("user")[:20],
            "corrections": list(article.corrections.select_related("created_by")),
            "is_live": article.is_live(),
            "share_url": preview.share_url(article) if self.user_may(request, "share", article) else "",
            "share_hours": round(settings.PREVIEW_LINK_MAX_AGE / 3600),
        }

    def response_add(self, request, obj, post_url_continue=None):
        self._submit_if_asked(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._submit_if_asked(request, obj)
        return super().response_change(request, obj)

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
        return [
            path("<int:pk>/preview/", view(self.preview_view), name="articles_article_preview"),
            path("<int:pk>/workflow/<str:action>/", view(self.transition_view), name="articles_article_transition"),
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
