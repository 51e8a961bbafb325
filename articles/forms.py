"""Forms for the article admin: the change form with its version check, and the small forms
behind each workflow button. They translate; ``services`` and ``workflow`` decide."""

import copy

from django import forms
from django.utils import timezone
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget

from articles import sanitize, services, tag_input, workflow
from articles.models import Article
from articles.permissions import article_policy
from newsroom.media.widgets import ImageChoiceField

# The change form's button that publishes a live story's changes as it saves them.
PUBLISH_CHANGES = "_publish_changes"


class ArticleForm(forms.ModelForm):
    """The article change form. It carries the version it was loaded from; saving over a newer
    version is refused with who saved in between, when, and what they changed, while the
    editor's own text stays in the form."""

    slug = forms.SlugField(
        required=False,
        max_length=200,
        help_text="The address of the article. Leave blank to make one from the headline.",
    )
    body = ProseEditorFormField(
        config={"extensions": sanitize.EDITOR_EXTENSIONS},
        sanitize=sanitize.clean_body,
        required=False,
        widget=AdminProseEditorWidget,
    )
    # Chosen in the image chooser's dialog, and typed in with suggestions (new tags made on save).
    lead_image = ImageChoiceField(required=False, label="Lead image")
    tags = tag_input.TagsField(required=False, label="Tags")
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    # Workflow steps do not change the version: this catches an article published (or sent back,
    # withdrawn …) while the form was open, before an unreviewed change goes out as an update.
    loaded_status = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)
    revision_message = forms.CharField(
        label="Note about this change", required=False, max_length=255, help_text="Shown in the revision history."
    )
    correction_note = forms.CharField(
        label="Correction notice",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only for a factual error: readers see this dated notice under the article. "
        "Leave blank for an ordinary update.",
    )
    # After a conflict: the version the editor has now seen, and their choice to save over it.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_overwrite = forms.BooleanField(required=False, label="Save my version over theirs")

    class Meta:
        model = Article
        fields = ["headline", "slug", "standfirst", "body", "section", "tags", "lead_image"]

    def __init__(self, *args, user, checks_save=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user  # whose save this is: ArticleAdmin.get_form binds it
        # The live preview validates what the editor typed but saves nothing: whether a save would
        # be refused now (an edit conflict, a status changed meanwhile) is the save's question.
        self.checks_save = checks_save
        self.fields["tags"].user = user  # whether typing a new tag may make one
        if self.instance.lead_image_id:  # loaded with the article: the chooser shows it without a query
            self.fields["lead_image"].widget.known_image = self.instance.lead_image
        self.conflict = None
        self.expected_version = self.instance.version if self.instance.pk else None
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version
            self.fields["loaded_status"].initial = self.instance.status
        draft = getattr(self.instance, "draft_snapshot", None)
        if draft is not None:  # the pending draft's tags, not the live ones
            self.initial["tags"] = [tag["id"] for tag in draft.get("tags", [])]

    def save(self, commit=True):
        # New tags typed in are made with the article (in its save's transaction), before anything
        # reads the form's tags.
        if "tags" in self.cleaned_data:
            self.cleaned_data["tags"] = tag_input.save_new_tags(self.cleaned_data["tags"])
        return super().save(commit)

    def clean_slug(self):
        slug = self.cleaned_data.get("slug", "")
        if slug and not services.slug_is_available(slug, self.instance.pk):
            raise forms.ValidationError("Another article uses this address, or used it before. Choose another slug.")
        return slug

    def clean_correction_note(self):
        note = self.cleaned_data.get("correction_note", "").strip()
        if note and not self.instance.is_live():
            raise forms.ValidationError("Corrections are for live articles; this one is not live.")
        if note and not article_policy.user_has_permission(self.user, "correct"):
            raise forms.ValidationError("Your role may not publish corrections.")
        # Which button saves is the save's question; the live preview shows the notice as typed.
        if note and self.checks_save and PUBLISH_CHANGES not in self.data:
            raise forms.ValidationError(
                "A correction notice goes out with the changes: use “Save and publish changes”, "
                "or leave the notice blank to keep your changes as a draft."
            )
        return note

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.checks_save:
            self._check_version(cleaned)
            self._check_status(cleaned)
        if self.instance.pk and self.checks_save and not self.errors:
            self._check_save(cleaned)
        return cleaned

    def _check_save(self, cleaned):
        """Ask the service what it would refuse before anything is saved: the admin then shows
        the refusal like any other form error, with the editor's text kept. Publishing the
        changes at once is asked of the workflow and the publish checklist the same way."""
        candidate = copy.copy(self.instance)
        for field in ("headline", "slug", "body", "section", "lead_image"):
            setattr(candidate, field, cleaned.get(field))
        try:
            services.check_save(candidate, self.user, self.expected_version)
            if PUBLISH_CHANGES in self.data:
                workflow.check("correct" if cleaned.get("correction_note") else "update", self.user, self.instance)
                missing = workflow.publish_checklist(candidate)
                if missing:
                    raise workflow.NotReady("Cannot publish yet. Missing: " + "; ".join(missing) + ".", missing)
        except services.EditConflict as conflict:
            self._refuse_conflict(conflict)
        except workflow.WorkflowError as refusal:
            raise forms.ValidationError(f"Nothing was saved: {refusal}") from None

    def _check_status(self, cleaned):
        loaded, current = cleaned.get("loaded_status"), self.instance.status
        if not loaded or loaded == current:
            return
        # Shown again, the form carries the status the editor has now been told about, so
        # saving once more after reviewing goes through.
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_status")] = current
        step = self.instance.transitions.select_related("user").first()
        if step is None or step.action not in workflow.ACTIONS:
            what = f"This article became {self.instance.get_status_display().lower()}"
        else:
            when = timezone.localtime(step.created_at)
            what = (
                f"{services.display_name(step.user)} {workflow.past_tense(workflow.ACTIONS[step.action])} "
                f"this article at {when:%H:%M}"
            )
        raise forms.ValidationError(
            f"{what} while you were editing; nothing was saved and your text is kept below. Review it and save again.",
            code="status_changed",
        )

    def _check_version(self, cleaned):
        loaded = cleaned.get("loaded_version")
        current = self.instance.version  # as stored now: the admin loads the article per request
        if loaded is None:
            raise forms.ValidationError("The form is missing the version it was loaded from. Reload the page.")
        if loaded == current:
            self.expected_version = current
            return
        if cleaned.get("confirm_overwrite") and cleaned.get("seen_version") == current:
            # The editor has seen the other changes and chose to save over them.
            self.expected_version = current
            return
        self._refuse_conflict(services.EditConflict(self.instance, loaded))

    def _refuse_conflict(self, conflict):
        self.conflict = conflict
        raise forms.ValidationError(
            self.conflict.summary() + " Your text is still in the form below; nothing was saved. "
            "Review their changes, then tick “Save my version over theirs” and save again, "
            "or copy what you need and reload.",
            code="conflict",
        )


class ChangeStepForm(forms.Form):
    """What a step on a live story's pending changes asks for: the draft's version (a step on a
    draft changed since is refused), a comment, and for publishing an optional correction."""

    required_css_class = "required"

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    comment = forms.CharField(
        label="Comment", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, step, **kwargs):
        super().__init__(*args, **kwargs)
        if step == "schedule_changes":
            self.fields["live_from"] = forms.DateTimeField(
                label="Go-live time",
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                help_text=f"In {timezone.get_current_timezone_name()}. Readers and partners get the changes "
                "at this minute; until then they see the live version.",
            )
        if step in ("publish_changes", "schedule_changes"):
            self.fields["correction_note"] = forms.CharField(
                label="Correction notice",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="Only for a factual error: readers see this dated notice under the article. "
                "Leave blank for an ordinary update.",
            )
            self.order_fields(["live_from", "correction_note", "comment"])
        elif step == "send_back_changes":
            self.fields["comment"].help_text = "Tell the writer what to change."

    def clean_live_from(self):
        try:
            return workflow.go_live_time(
                self.cleaned_data["live_from"], publish_now=workflow.CHANGE_STEP_LABELS["publish_changes"]
            )
        except workflow.NotReady as refusal:
            raise forms.ValidationError(str(refusal)) from None


class TransitionForm(forms.Form):
    """What a workflow button asks for before acting: a comment, a go-live time, a notice."""

    required_css_class = "required"  # the admin's bold label for what must be filled in

    comment = forms.CharField(
        label="Comment", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, action, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        comment = self.fields["comment"]
        if action.name == "schedule":
            self.fields["publish_at"] = forms.DateTimeField(
                label="Go-live time",
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                help_text=f"In {timezone.get_current_timezone_name()}. The article goes live at this minute.",
            )
            self.order_fields(["publish_at", "comment"])
        elif action.name == "correct":
            comment.label, comment.required = "Correction notice", True
            comment.help_text = (
                "Readers see this dated notice under the article, e.g. what was wrong and what is right."
            )
        elif action.name == "withdraw":
            self.fields["public_reason"] = forms.CharField(
                label="Reason readers and partners see",
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=Article._meta.get_field("withdrawal_reason").max_length,
                help_text="Plain text. Readers who open the article's address see it under the headline, and "
                "partners who carry our stories receive it with the withdrawal.",
            )
            comment.label = "Internal note"
            comment.help_text = "For the audit log only: never shown to readers or partners."
            self.order_fields(["public_reason", "comment"])
        elif action.name == "send_back":
            comment.help_text = "Tell the writer what to change."

    def clean_public_reason(self):
        try:
            return workflow.public_reason(self.cleaned_data["public_reason"])
        except workflow.NotReady as refusal:
            raise forms.ValidationError(str(refusal)) from None

    def clean_publish_at(self):
        try:
            return workflow.go_live_time(self.cleaned_data["publish_at"])
        except workflow.NotReady as refusal:
            raise forms.ValidationError(str(refusal)) from None
