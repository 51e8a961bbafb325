"""Tags typed in: the article form's tag field, its widget and the suggestions it asks for.

The field is the tags' names, separated by commas (a name holding a comma is written in double
quotes), so it works as a plain text box; the script (``articles/tag-input.js``) turns it into
chips with suggestions from ``TagSuggestions`` (the tag admin's ``suggest/`` endpoint). A name that
matches a tag whatever its case is that tag; any other name is a new tag, made when the article is
saved, with a slug of its own, and only for a user the tag policy lets add tags (anyone else gets a
form error naming the new names).
"""

import re

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.text import slugify

from articles.models import Tag
from articles.permissions import tag_policy

MAX_TAGS = 30
MAX_SUGGESTIONS = 10
NAME_MAX_LENGTH = Tag._meta.get_field("name").max_length
SLUG_MAX_LENGTH = Tag._meta.get_field("slug").max_length
_NAMES = re.compile(r'\s*(?:"([^"]*)"|([^,]*))\s*(?:,|$)')


def parse_names(text):
    """'Toyota, "Kentucky, USA", camry' -> ['Toyota', 'Kentucky, USA', 'camry']: stripped, inner
    whitespace collapsed, empty ones dropped, the same name (whatever its case) kept once."""
    names, seen = [], set()
    for quoted, plain in _NAMES.findall(text or ""):
        name = " ".join((quoted or plain).split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def format_names(names):
    return ", ".join(f'"{name}"' if "," in name else name for name in names)


def new_tag_slug(name):
    """A slug for a new tag that no tag has: the name's, else ``tag``, then -2, -3 … (the name of
    a tag is unique, its slug too, and two names may make one slug: "E.V." and "EV")."""
    base = slugify(name)[: SLUG_MAX_LENGTH - 6].strip("-") or "tag"
    taken = set(Tag.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def save_new_tags(tags):
    """Save the unsaved tags among ``tags`` (``TagsField``'s value); another save making the same
    tag meanwhile is fine: that tag is used. Returns the tags, all saved."""
    return [tag if tag.pk is not None else _save_new_tag(tag.name) for tag in tags]


def _save_new_tag(name, attempts=3):
    for _ in range(attempts):
        try:
            with transaction.atomic():
                return Tag.objects.create(name=name, slug=new_tag_slug(name))
        except IntegrityError:  # made meanwhile by another save, or its slug was taken meanwhile
            made = Tag.objects.filter(name__iexact=name).first()
            if made is not None:
                return made
    raise IntegrityError(f"No free slug for the new tag {name!r} after {attempts} attempts.")


class TagInput(forms.TextInput):
    """A text box of comma-separated tag names; the script adds chips and suggestions."""

    class Media:
        js = ["articles/tag-input.js"]
        css = {"all": ["articles/tag-input.css"]}

    def __init__(self, attrs=None):
        super().__init__({"class": "vLargeTextField tag-input", "autocomplete": "off", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-tag-input"] = reverse("admin:articles_tag_suggest")
        return context

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return format_names([tag.name if isinstance(tag, Tag) else str(tag) for tag in value])
        return super().format_value(value)


class TagsField(forms.Field):
    """Tags by name. Its value is a list of tags, existing ones first in the order typed; a new one
    is an unsaved ``Tag`` (saved with the article, ``save_new_tags``). ``user`` (the form sets it)
    decides whether new names are allowed."""

    widget = TagInput
    default_error_messages = {
        "too_many": f"At most {MAX_TAGS} tags.",
        "too_long": f"A tag has at most {NAME_MAX_LENGTH} characters: %(names)s.",
        "may_not_add": "Your role may not add tags; choose existing ones, or ask an editor to add %(names)s.",
    }

    def __init__(self, *, user=None, **kwargs):
        kwargs.setdefault("help_text", "Type a tag and press Enter or a comma; suggestions come from existing tags.")
        super().__init__(**kwargs)
        self.user = user

    def prepare_value(self, value):
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        names = parse_names(str(value))
        if len(names) > MAX_TAGS:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")
        too_long = [name for name in names if len(name) > NAME_MAX_LENGTH]
        if too_long:
            raise forms.ValidationError(
                self.error_messages["too_long"], code="too_long", params={"names": _quoted(too_long)}
            )
        if not names:
            return []
        matches = Q()
        for name in names:
            matches |= Q(name__iexact=name)
        existing = {tag.name.casefold(): tag for tag in Tag.objects.filter(matches)}
        tags = [existing.get(name.casefold()) or Tag(name=name) for name in names]
        new = [tag.name for tag in tags if tag.pk is None]
        if new and not (self.user is not None and tag_policy.user_has_permission(self.user, "add")):
            raise forms.ValidationError(
                self.error_messages["may_not_add"], code="may_not_add", params={"names": _quoted(new)}
            )
        return tags

    def has_changed(self, initial, data):
        initial_names = [tag.name if isinstance(tag, Tag) else str(tag) for tag in initial or []]
        return [n.casefold() for n in initial_names] != [n.casefold() for n in parse_names(data)]


def _quoted(names):
    return ", ".join(f"“{name}”" for name in names)


class TagSuggestions:
    """TagAdmin mixin (a ``PolicyAdmin``): ``suggest/?q=…``, the tags whose names contain the
    typed text, those starting with it first, as JSON; and whether the user may add new ones."""

    def get_urls(self):
        return [
            path("suggest/", self.admin_site.admin_view(self.suggest_view), name="articles_tag_suggest"),
            *super().get_urls(),
        ]

    def suggest_view(self, request):
        if request.method != "GET":
            return JsonResponse({"error": "Use GET."}, status=405)
        if not self.user_may(request, "view"):
            raise PermissionDenied
        text = " ".join(request.GET.get("q", "").split())
        if len(text) > NAME_MAX_LENGTH:
            return JsonResponse({"error": f"Type at most {NAME_MAX_LENGTH} characters."}, status=400)
        suggestions = []
        if text:
            starts = Case(When(name__istartswith=text, then=Value(0)), default=Value(1), output_field=IntegerField())
            suggestions = list(
                Tag.objects.filter(name__icontains=text)
                .annotate(starts=starts)
                .order_by("starts", "name")
                .values("id", "name")[:MAX_SUGGESTIONS]
            )
        return JsonResponse({"results": suggestions, "may_add": self.user_may(request, "add")})
