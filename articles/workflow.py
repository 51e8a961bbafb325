"""The editorial workflow: the ONLY place an article's status changes.

Called alike by the admin, the API, management commands, tasks and tests::

    from articles import workflow

    workflow.submit(article, user, comment="")             # draft -> in review (writer, own draft)
    workflow.approve(article, user, comment="")            # in review -> approved
    workflow.send_back(article, user, comment="")          # in review -> draft
    workflow.schedule(article, user, publish_at, comment="")  # approved -> scheduled (future time only)
    workflow.publish(article, user, comment="")            # approved -> published, now
    workflow.unschedule(article, user, comment="")         # scheduled (not yet live) -> approved
    workflow.update(article, user, comment="")             # live -> published, readers told "Updated"
    workflow.correct(article, user, note)                  # live -> published + a public Correction
    workflow.withdraw(article, user, reason, note="")      # published/scheduled -> withdrawn; reason is public
    workflow.redraft(article, user, comment="")            # withdrawn -> draft

    workflow.perform("approve", article, user, comment="")  # the same, by action name

    # Pending changes to a live article (``PendingChanges``, saved by ``services.save_article``);
    # the article stays live and keeps its status, each step is in the audit log:
    workflow.submit_changes(article, user, comment="")     # the draft waits for an editor
    workflow.send_back_changes(article, user, comment="")  # back to its writer, still a draft
    workflow.discard_changes(article, user, comment="")    # dropped; the live version stays
    workflow.allowed_change_steps(user, article, pending)  # ["publish_changes", ...] for this user
    # Publishing them is ``services.publish_changes``: the draft applied, then ``update``/``correct``.
    workflow.public_reason(text)                            # a withdrawal's reason, cleaned, or NotReady
    workflow.go_live_time(publish_at)                       # a future go-live time, or NotReady
    workflow.allowed_actions(user, article)                 # [Action, ...] this user may take now
    workflow.check("update", user, article)                 # raises what perform would refuse
    workflow.publish_checklist(article)                     # ["Lead image", ...] missing for publishing
    workflow.past_tense(workflow.ACTIONS["publish"])       # "published", for messages

Each transition runs in a transaction with the article row locked, so two editors clicking at
once cannot both move it; it writes a ``Transition`` row (who, when, from, to, comment) and,
once committed, sends ``articles.signals.article_event`` ("published", "updated", "corrected",
"withdrawn" or "scheduled"). A step's ``comment`` is for the audit log; only a correction's is
also public (the notice). A withdrawal keeps two texts apart: ``comment``, the internal note, and
``public_reason``, what readers and partners are told (``Article.withdrawal_reason``).
A refused transition raises a ``WorkflowError`` subclass with a message fit to show the user, and
changes nothing:

- ``IllegalTransition``: not possible from the article's current status;
- ``NotAllowed``: this user may not do it (``articles.permissions.article_policy`` decides);
- ``NotReady``: the publish checklist is not met (``.missing`` lists what is missing), or a
  schedule time is not in the future.

Content edits go through ``articles.services.save_article``; on a live article they become
pending changes, published only by ``services.publish_changes`` (an editor's ``update`` or
``correct``). Whoever must act next hears of it (``articles.notifications``): reviewers when
something is submitted, writers when their story is sent back or published.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from articles import notifications, readmodel, revisions, sanitize
from articles.models import LIVE_STATUSES, Article, Correction, PendingChanges, Status, Transition
from articles.permissions import article_policy
from articles.signals import article_changing, article_event
from newsroom.core import cache_keys
from newsroom.core.text import html_to_text
from newsroom.media.checks import image_is_publishable


class WorkflowError(Exception):
    """A transition was refused; ``str(error)`` is the message for the user."""


class IllegalTransition(WorkflowError):
    pass


class NotAllowed(WorkflowError):
    pass


class NotReady(WorkflowError):
    def __init__(self, message, missing=()):
        super().__init__(message)
        self.missing = list(missing)


@dataclass(frozen=True)
class Action:
    name: str
    label: str  # the button: "Submit for review"
    verb: str  # for messages: "submit"
    sources: frozenset
    target: str
    permission: str  # the action ``article_policy`` is asked about
    event: str = ""
    checklist: bool = False


def _action(name, label, verb, sources, target, permission, event="", checklist=False):
    return Action(name, label, verb, frozenset(sources), target, permission, event, checklist)


S = Status
ACTIONS = {
    a.name: a
    for a in [
        _action("submit", "Submit for review", "submit", [S.DRAFT], S.IN_REVIEW, "submit"),
        _action("approve", "Approve", "approve", [S.IN_REVIEW], S.APPROVED, "approve"),
        _action("send_back", "Send back to writer", "send back", [S.IN_REVIEW], S.DRAFT, "approve"),
        _action("schedule", "Schedule", "schedule", [S.APPROVED], S.SCHEDULED, "publish", "scheduled", True),
        _action("publish", "Publish now", "publish", [S.APPROVED], S.PUBLISHED, "publish", "published", True),
        _action("unschedule", "Unschedule", "unschedule", [S.SCHEDULED], S.APPROVED, "publish"),
        _action(
            "update",
            "Publish update",
            "update",
            LIVE_STATUSES,
            S.PUBLISHED,
            "publish",
            "updated",
            True,
        ),
        _action(
            "correct",
            "Publish correction",
            "correct",
            LIVE_STATUSES,
            S.PUBLISHED,
            "correct",
            "corrected",
            True,
        ),
        _action("withdraw", "Withdraw", "withdraw", LIVE_STATUSES, S.WITHDRAWN, "withdraw", "withdrawn"),
        _action("redraft", "Return to draft", "return to draft", [S.WITHDRAWN], S.DRAFT, "withdraw"),
    ]
}
# Update and correct act on what readers see now; unschedule only on what they do not see yet.
_NEEDS_LIVE = {"update", "correct"}
_NEEDS_NOT_LIVE = {"unschedule"}


def publish_checklist(article):
    """What is missing before readers may see the article, as labels for the editor."""
    missing = []
    if not article.headline.strip():
        missing.append("Headline")
    if not html_to_text(article.body) and "<img" not in article.body:
        missing.append("Body text")
    if not article.section_id:
        missing.append("Section")
    image = article.lead_image if article.lead_image_id else None
    if image is None:
        missing.append("Lead image")
    elif not image_is_publishable(image):
        missing.append("Alt text for the lead image (or mark it decorative)")
    return missing


def _refusal(action, user, article, now):
    """Why ``user`` may not take ``action`` on ``article`` now, or None if they may. With ``now``
    None, "live" is as ``Article.is_live()`` answers for the article as loaded."""
    status_label = Status(article.status).label.lower()
    if article.status not in action.sources:
        return IllegalTransition(f"An article that is {status_label} cannot be {past_tense(action)}.")
    if action.name in _NEEDS_LIVE and not article.is_live(now):
        return IllegalTransition(f"Only a live article can be {past_tense(action)}; this one is not live yet.")
    if action.name in _NEEDS_NOT_LIVE and article.is_live(now):
        return IllegalTransition("This article is already live; withdraw it instead of unscheduling it.")
    if not article_policy.user_has_permission(user, action.permission):
        return NotAllowed(f"Your role may not {action.verb} articles.")
    if not article_policy.user_has_permission_for_instance(user, action.permission, article):
        return NotAllowed(f"You can only {action.verb} your own drafts.")
    return None


def past_tense(action):
    """The action as a past participle, for messages: "published", "sent back"."""
    return {
        "submit": "submitted",
        "approve": "approved",
        "send_back": "sent back",
        "schedule": "scheduled",
        "publish": "published",
        "unschedule": "unscheduled",
        "update": "updated",
        "correct": "corrected",
        "withdraw": "withdrawn",
        "redraft": "returned to draft",
    }[action.name]


def check(name, user, article, now=None):
    """Raise what ``perform(name, …)`` would refuse for who is asking and where the article
    stands; the publish checklist and the step's own inputs are checked when it runs."""
    refusal = _refusal(ACTIONS[name], user, article, now)
    if refusal:
        raise refusal


def allowed_actions(user, article, now=None):
    """The actions ``user`` may take on ``article`` now (the checklist is checked on the click)."""
    if article.pk is None:
        return []
    return [action for action in ACTIONS.values() if _refusal(action, user, article, now) is None]


def public_reason(text):
    """A withdrawal's reason as readers and partners will read it: one line of plain text, neither
    empty nor longer than ``Article.withdrawal_reason`` holds; else ``NotReady`` saying why."""
    reason = sanitize.plain_line(text)
    if not reason:
        raise NotReady("Write the reason readers and partners will see for the withdrawal.")
    limit = Article._meta.get_field("withdrawal_reason").max_length
    if len(reason) > limit:
        raise NotReady(f"Keep the public reason to {limit} characters; it has {len(reason)}.")
    return reason


def go_live_time(publish_at, now=None, publish_now="Publish now"):
    """``publish_at`` if it may be a scheduled article's (or scheduled changes') go-live time: it
    is in the future; else ``NotReady`` saying why, and which button (``publish_now``) publishes at once."""
    if publish_at <= (now or timezone.now()):
        raise NotReady(f"Choose a time in the future; to publish at once use “{publish_now}”.")
    return publish_at


def perform(name, article, user, *, comment="", publish_at=None, public_reason="", published_at=None):
    """Take the action called ``name``; see the module docstring for the refusals.

    ``public_reason`` is a withdrawal's reason for readers and partners (required there).
    ``published_at``: when readers were told of an update or correction, if not now: the minute
    of scheduled changes (``services.publish_scheduled_changes``), which readers saw from then on."""
    if name not in ACTIONS:
        raise IllegalTransition(f"There is no workflow action called {name!r}.")
    action = ACTIONS[name]
    now = timezone.now()
    comment = (comment or "").strip()
    with transaction.atomic():
        # Lock the row and decide on what is committed now, not on what the caller loaded.
        current = Article.objects.select_for_update(of=("self",)).select_related("lead_image").get(pk=article.pk)
        refusal = _refusal(action, user, current, now)
        if refusal:
            raise refusal
        if action.checklist:
            missing = publish_checklist(current)
            if missing:
                raise NotReady("Cannot publish yet. Missing: " + "; ".join(missing) + ".", missing)
        changes = _changes(action, current, published_at or now, publish_at, comment, public_reason)
        Article.objects.filter(pk=current.pk).update(**changes)
        for field, value in {**changes, "status": action.target}.items():
            setattr(article, field, value)
        article.__dict__.pop("live_now", None)  # loaded before this step: is_live() asks again
        Transition.objects.create(
            article=current,
            action=action.name,
            from_status=current.status,
            to_status=action.target,
            user=user,
            created_at=now,
            comment=comment,
            public_reason=changes.get("withdrawal_reason", ""),
        )
        if action.name == "correct":
            Correction.objects.create(article=current, text=comment, created_at=published_at or now, created_by=user)
        if action.name == "withdraw":
            # Changes scheduled over a story no longer public must not go out at their minute.
            PendingChanges.objects.filter(article=current).update(**UNSCHEDULED)
        if action.sources & set(LIVE_STATUSES) or action.target in LIVE_STATUSES:
            readmodel.sync([current.pk])  # what readers and partners are served, committed with the step
        transaction.on_commit(lambda: notifications.step_taken(article, user, action.name, comment))
        if action.event:
            article_changing.send(sender=Article, article=article, event=action.event)
            transaction.on_commit(lambda: article_event.send(sender=Article, article=article, event=action.event))
    return article


def _changes(action, current, now, publish_at, comment, reason):
    changes = {"status": action.target}
    if action.name == "schedule":
        if publish_at is None:
            raise NotReady("Choose a go-live time to schedule the article.")
        changes["publish_at"] = go_live_time(publish_at, now)
        if current.first_published_at is None:
            # Live from its minute on, by the read-time rule; nothing else will run then.
            changes["first_published_at"] = changes["last_published_at"] = publish_at
    elif action.name == "publish":
        changes["publish_at"] = now
        changes["last_published_at"] = now
        if current.first_published_at is None or current.first_published_at > now:
            changes["first_published_at"] = now
    elif action.name == "unschedule":
        changes.update(_planned_go_live_called_off(current, now))
    elif action.name in ("update", "correct"):
        if action.name == "correct" and not comment:
            raise NotReady("Write the correction notice readers will see.")
        changes["last_published_at"] = now
    elif action.name == "withdraw":
        changes["withdrawn_at"] = now
        changes["withdrawal_reason"] = public_reason(reason)
        changes.update(_planned_go_live_called_off(current, now))
    elif action.name == "redraft":
        changes["withdrawn_at"] = None
        changes["withdrawal_reason"] = ""
    return changes


def _planned_go_live_called_off(current, now):
    """An article taken off the schedule before its first go-live minute was never public: its
    publication dates go, so ``Article.was_public`` stays false after that minute passes and a
    later publication starts from its own time."""
    if current.first_published_at and current.first_published_at > now:
        return {"first_published_at": None, "last_published_at": None}
    return {}


def submit(article, user, comment=""):
    return perform("submit", article, user, comment=comment)


def approve(article, user, comment=""):
    return perform("approve", article, user, comment=comment)


def send_back(article, user, comment=""):
    return perform("send_back", article, user, comment=comment)


def schedule(article, user, publish_at, comment=""):
    return perform("schedule", article, user, comment=comment, publish_at=publish_at)


def publish(article, user, comment=""):
    return perform("publish", article, user, comment=comment)


def unschedule(article, user, comment=""):
    return perform("unschedule", article, user, comment=comment)


def update(article, user, comment="", published_at=None):
    return perform("update", article, user, comment=comment, published_at=published_at)


def correct(article, user, note, published_at=None):
    return perform("correct", article, user, comment=note, published_at=published_at)


def withdraw(article, user, reason, note=""):
    """``reason`` is what readers and partners are told; ``note`` stays in the audit log."""
    return perform("withdraw", article, user, comment=note, public_reason=reason)


def redraft(article, user, comment=""):
    return perform("redraft", article, user, comment=comment)


# -- pending changes to a live article ---------------------------------------------------------

CHANGE_STEP_LABELS = {
    "publish_changes": "Publish changes",
    "schedule_changes": "Schedule changes",
    "unschedule_changes": "Cancel scheduled changes",
    "submit_changes": "Submit changes for review",
    "send_back_changes": "Send changes back to writer",
    "discard_changes": "Discard changes",
}
# A pending change taken off the schedule (``unschedule_changes``, a withdrawal).
UNSCHEDULED = {"scheduled_for": None, "scheduled_by": None, "scheduled_correction": ""}


def _change_step_refusal(name, user, article, pending):
    """Why ``user`` may not take the step ``name`` on ``article``'s ``pending`` changes, or None."""
    if pending is None:
        return IllegalTransition("There are no changes waiting on this article.")
    if name in ("publish_changes", "schedule_changes"):
        return _refusal(ACTIONS["update"], user, article, None)
    if name == "unschedule_changes":
        if pending.scheduled_for is None:
            return IllegalTransition("These changes are not scheduled.")
        return _refusal(ACTIONS["update"], user, article, None)
    if name == "submit_changes":
        if pending.scheduled_for is not None:
            return IllegalTransition("These changes are already scheduled to go live.")
        if pending.in_review:
            return IllegalTransition("These changes are already waiting for review.")
        if not article_policy.user_has_permission_for_instance(user, "submit", article):
            return NotAllowed("You may only submit changes to your own stories.")
    elif name == "send_back_changes":
        if not pending.in_review:
            return IllegalTransition("These changes are not waiting for review.")
        if not article_policy.user_has_permission(user, "approve"):
            return NotAllowed("Your role may not send changes back.")
    elif name == "discard_changes" and not article_policy.user_has_permission_for_instance(user, "change", article):
        return NotAllowed("You may not discard the changes to this article.")
    return None


def allowed_change_steps(user, article, pending):
    """The steps (``CHANGE_STEP_LABELS``' names) ``user`` may take on ``pending`` now."""
    return [name for name in CHANGE_STEP_LABELS if _change_step_refusal(name, user, article, pending) is None]


def _take_change_step(name, article, user, comment, apply):
    comment = (comment or "").strip()
    with transaction.atomic():
        current = Article.objects.select_for_update(of=("self",)).with_live_now().get(pk=article.pk)
        pending = PendingChanges.objects.select_for_update().filter(article=current).first()
        refusal = _change_step_refusal(name, user, current, pending)
        if refusal:
            raise refusal
        was_scheduled = pending.scheduled_for
        apply(pending)
        if was_scheduled or name == "schedule_changes":
            # The version readers get at the minute is stored (or dropped) with the step, and pages
            # kept from before it are dropped, so none is kept past the new minute.
            readmodel.sync([current.pk])
            cache_keys.changed({cache_keys.key(Article, current.pk)})
        Transition.objects.create(
            article=current,
            action=name,
            from_status=current.status,
            to_status=current.status,
            user=user,
            created_at=timezone.now(),
            comment=comment,
        )
        transaction.on_commit(lambda: notifications.step_taken(current, user, name, comment))
    return current


def submit_changes(article, user, comment=""):
    return _take_change_step(
        "submit_changes", article, user, comment, lambda pending: _set_in_review(pending, in_review=True)
    )


def send_back_changes(article, user, comment=""):
    return _take_change_step(
        "send_back_changes", article, user, comment, lambda pending: _set_in_review(pending, in_review=False)
    )


def discard_changes(article, user, comment=""):
    return _take_change_step("discard_changes", article, user, comment, lambda pending: pending.delete())


def _set_in_review(pending, *, in_review):
    PendingChanges.objects.filter(pk=pending.pk).update(in_review=in_review)


def schedule_changes(article, user, live_from, *, correction="", comment=""):
    """Publish ``article``'s pending changes at the minute ``live_from`` (in the future), as an
    update, or a correction with the ``correction`` notice. Readers and partners' API answers get
    the new version from that minute on by the read model, with no worker
    (``readmodel.scheduled_version``); the worker then publishes it for the article itself, the
    change feed and webhooks (``services.schedule_changes`` queues it). Scheduling again moves the
    minute. Refused like publishing the changes now, and with ``NotReady`` for a past minute, a
    draft missing what the publish checklist asks, or a draft changing the story's address."""
    live_from = go_live_time(live_from, publish_now=CHANGE_STEP_LABELS["publish_changes"])
    correction = (correction or "").strip()  # as ``correct`` keeps a notice

    def schedule(pending):
        if correction and not article_policy.user_has_permission(user, "correct"):
            raise NotAllowed("Your role may not correct articles.")
        draft = Article(pk=article.pk)
        revisions.apply_snapshot(draft, pending.revision.snapshot)
        missing = publish_checklist(draft)
        if missing:
            raise NotReady("Cannot schedule these changes yet. Missing: " + "; ".join(missing) + ".", missing)
        if draft.slug != Article.objects.values_list("slug", flat=True).get(pk=article.pk):
            raise NotReady(SCHEDULED_SLUG_REFUSAL)
        changes = {"scheduled_for": live_from, "scheduled_by": user, "scheduled_correction": correction}
        PendingChanges.objects.filter(pk=pending.pk).update(**changes, in_review=False)

    return _take_change_step("schedule_changes", article, user, comment, schedule)


# Why scheduled changes keep the story's address: its pages and partners' copies are found at it
# until the minute, when only the read model, not the article, has changed yet.
SCHEDULED_SLUG_REFUSAL = (
    "Scheduled changes cannot change the story's address (slug). Publish the changes now to change it, "
    "or keep the address."
)


def unschedule_changes(article, user, comment=""):
    """Take ``article``'s pending changes off the schedule: they stay a pending draft, and readers
    keep the live version past the minute."""
    return _take_change_step(
        "unschedule_changes",
        article,
        user,
        comment,
        lambda pending: PendingChanges.objects.filter(pk=pending.pk).update(**UNSCHEDULED),
    )
