"""Partners, their API keys and webhook endpoints, the deliveries made to them, and the change
feed partners sync from.

An API key is shown once, when it is issued, and stored only as a SHA-256 hash: the keys are
long random strings, so a fast hash is as safe as a slow one and keeps every request cheap.
A short public prefix finds the row; the hash is then compared in constant time.
"""

import base64
import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from newsroom.core import pagecache
from newsroom.core.prepared import Prepared
from newsroom.syndication.targets import UnsafeTarget, check_target

logger = logging.getLogger(__name__)

KEY_SCHEME = "nrk"
PREFIX_LENGTH = 8
# last_used_at is written at most this often per key by each process (which keeps its key and the
# time it last wrote, ``authentication.known_keys``), so busy keys do not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# While a key is being rotated, the old and the new key both work; never more than this many.
MAX_VALID_KEYS = 2


def rights_key(partner_id):
    """The key (``newsroom.core.pagecache``'s journal) of what a request with one of the partner's
    API keys may do: the keys themselves, whether the partner is active, its plan, rate limit and
    sections. Each process keeps the keys it read (``authentication.known_keys``) until a change
    names this key."""
    return f"partner-{partner_id}.rights"


def rights_changed(partner_ids):
    """Tell every process that the partners ``partner_ids`` may now do something else (a key
    revoked, expired early, deleted; the partner deactivated, its sections or plan changed): their
    next request reads the key again. Saves, deletes and updates of keys, partners and their
    sections say it through here (``receivers.on_rights_changed``, ``RightsQuerySet``); a deleted
    section, through the list of sections the page cache's journal is told of. While the shared
    cache cannot be written, the change reaches the other processes only when their kept keys
    expire (``authentication.KEPT_KEY_SECONDS``): logged as an error."""
    keys = {rights_key(pk) for pk in partner_ids}
    if keys:
        # Said at once too: this transaction's own requests (a test's, a shell's) see the change
        # before it commits. A process reading the key between the two keeps the old row stamped
        # before the second, which then drops it.
        _say(keys)
        transaction.on_commit(lambda: _say(keys))


def _say(keys):
    if not pagecache.drop(keys):
        logger.error(
            "a change of partners' rights could not be written to the shared cache", extra={"keys": sorted(keys)}
        )


class RightsQuerySet(models.QuerySet):
    """An ``update`` of rows deciding what partners' keys may do says so (``rights_changed``). A
    key's last use (``ApiKey.touch``, once a minute) decides nothing and says nothing."""

    partner_field = "pk"

    def update(self, **kwargs):
        if set(kwargs) <= {"last_used_at"}:
            return super().update(**kwargs)
        partners = set(self.values_list(self.partner_field, flat=True))
        count = super().update(**kwargs)
        rights_changed(partners)
        return count


class Partner(models.Model):
    """A news site, aggregator, app or dealer portal that receives our content."""

    name = models.CharField(max_length=150, unique=True)
    contact_name = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField(help_text="Who we tell about key expiry, disabled webhooks and API changes.")
    active = models.BooleanField(default=True, help_text="Inactive partners' keys and webhooks stop working.")
    sections = models.ManyToManyField(
        "articles.Section",
        blank=True,
        related_name="+",
        help_text="Sections this partner receives. Leave empty for every section.",
    )
    receives_articles = models.BooleanField(default=True)
    receives_vehicles = models.BooleanField(default=True, help_text="Vehicle models, markets, plants and VINs.")
    rate_limit_per_minute = models.PositiveIntegerField(
        default=120, help_text="Requests per minute, shared by all of the partner's keys."
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RightsQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        # Django's own updates of related rows (``other_partner.api_keys.add(key)``) go through the
        # base manager: they must say what they change too (``RightsQuerySet``).
        base_manager_name = "objects"

    def __str__(self):
        return self.name

    def section_ids(self):
        """The partner's sections as a set of ids, or None for every section.

        Uses the ids read with the partner's key when authentication loaded them
        (``key_for_request``), else the (prefetched) sections."""
        if hasattr(self, "loaded_section_ids"):
            return self.loaded_section_ids
        ids = {section.pk for section in self.sections.all()}
        return ids or None

    def issue_key(self, *, name="", expires_at=None, rotation_grace=None):
        """Make a new key and return ``(api_key, secret)``; the secret is never stored.

        With ``rotation_grace``, the partner's other valid keys keep working for that long and
        then expire, so the partner can switch without downtime. At most ``MAX_VALID_KEYS`` keys
        are valid at once: issuing one more revokes the oldest."""
        now = timezone.now()
        if rotation_grace is not None:
            deadline = now + rotation_grace
            self.api_keys.valid(now).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=deadline)).update(
                expires_at=deadline
            )
        valid = list(self.api_keys.valid(now).order_by("-created_at", "-id").values_list("pk", flat=True))
        self.api_keys.filter(pk__in=valid[MAX_VALID_KEYS - 1 :]).revoke(now)
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        secret = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
        key = self.api_keys.create(name=name, prefix=prefix, key_hash=ApiKey.hash(secret), expires_at=expires_at)
        return key, secret


class ApiKeyQuerySet(RightsQuerySet):
    partner_field = "partner_id"

    def valid(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))

    def revoke(self, now=None):
        """Revoke the keys not revoked yet (from ``now``); returns how many."""
        return self.filter(revoked_at__isnull=True).update(revoked_at=now or timezone.now())


class ApiKey(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True, help_text="What it is for, e.g. 'production sync'.")
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Leave empty for a key that does not expire.")
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at", "-id"]
        base_manager_name = "objects"  # as ``Partner``'s

    def __str__(self):
        return f"{self.partner}: {KEY_SCHEME}_{self.prefix}_…"

    @staticmethod
    def hash(secret):
        return hashlib.sha256(secret.encode()).hexdigest()

    @staticmethod
    def prefix_of(secret):
        """The look-up prefix of a presented key, or None when it does not have our shape."""
        parts = secret.split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_SCHEME or len(parts[1]) != PREFIX_LENGTH:
            return None
        return parts[1]

    def matches(self, secret):
        return hmac.compare_digest(self.key_hash, self.hash(secret))

    def is_valid(self, now=None):
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    is_valid.boolean = True

    def touch(self, now=None):
        """Record use, at most once per LAST_USED_RESOLUTION (in this process), with one UPDATE."""
        now = now or timezone.now()
        if self.last_used_at is None or now - self.last_used_at >= LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now


def _request_columns(model, used):
    """The columns of ``model`` an API request uses, in the model's order (``Model.from_db`` defers
    the others, read on access): a partner's notes and contacts, and the dates a key's validity was
    decided by in SQL, cost every request their reading and converting."""
    return [field.attname for field in model._meta.concrete_fields if field.attname in used]


# The key's hash (checked), its last use (``touch``), its expiry (until when a process may keep
# it); the partner's plan and rate limit.
_KEY_COLUMNS = _request_columns(ApiKey, {"id", "partner_id", "key_hash", "last_used_at", "expires_at"})
_PARTNER_COLUMNS = _request_columns(Partner, {"id", "receives_articles", "receives_vehicles", "rate_limit_per_minute"})
_KEY_FOR_REQUEST = Prepared(
    lambda prefix, now: (
        ApiKey.objects.valid(now)
        .filter(prefix=prefix, partner__active=True)
        .values_list(*_KEY_COLUMNS, *(f"partner__{column}" for column in _PARTNER_COLUMNS), "partner__sections")
    ),
    prefix=models.CharField(),
    now=models.DateTimeField(),
)


def key_for_request(prefix, now):
    """The valid key of an active partner with ``prefix`` at ``now`` (or None), with its partner and
    the ids of the partner's sections (``Partner.section_ids``), their columns a request uses (the
    others deferred), in one query, as every API request runs it: one row per section (or one with
    none), joined, costs less than a prefetch. A prepared read (``newsroom.core.prepared``):
    compiling it cost more than running it; a function, not a queryset method, so that no queryset
    is made for it."""
    rows = _KEY_FOR_REQUEST(prefix=prefix, now=now)
    if not rows:
        return None
    key_width = len(_KEY_COLUMNS)
    api_key = ApiKey.from_db(None, _KEY_COLUMNS, rows[0][:key_width])
    partner = Partner.from_db(None, _PARTNER_COLUMNS, rows[0][key_width:-1])
    partner.loaded_section_ids = {row[-1] for row in rows if row[-1] is not None} or None
    ApiKey.partner.field.set_cached_value(api_key, partner)
    return api_key


class WebhookEvent(models.TextChoices):
    PUBLISHED = "published", "Published"
    UPDATED = "updated", "Updated"
    CORRECTED = "corrected", "Corrected"
    WITHDRAWN = "withdrawn", "Withdrawn"


def _all_events():
    return list(WebhookEvent.values)


def _new_webhook_secret():
    # Standard Webhooks: "whsec_" and the base64 of 24 to 64 random bytes.
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookEndpoint(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500, help_text="HTTPS address that receives a POST for each event.")
    secret = models.CharField(
        max_length=100,
        default=_new_webhook_secret,
        help_text="Shared with the partner; signs every delivery (Standard Webhooks).",
    )
    events = models.JSONField(default=_all_events, help_text="Which events to send.")
    active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner", "url"]

    def __str__(self):
        return self.url

    def clean(self):
        unknown = set(self.events or []) - set(WebhookEvent.values)
        if not isinstance(self.events, list) or unknown:
            raise ValidationError({"events": f"Choose from: {', '.join(WebhookEvent.values)}."})
        if self.url:
            try:
                check_target(self.url)
            except UnsafeTarget as error:
                raise ValidationError({"url": str(error)})


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Retrying"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event for one endpoint: its signed payload, its attempts and the last answer."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=64, unique=True, help_text="The webhook-id header: same on every retry.")
    event = models.CharField(max_length=20, choices=WebhookEvent.choices)
    change = models.ForeignKey("ChangeEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True, help_text="The start of the last answer, or the error.")
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.event} → {self.endpoint}"


class ChangeEvent(models.Model):
    """One public change to an article, in commit order: the change feed partners sync from.

    ``id`` is the change sequence. Rows are inserted under a table-wide lock (see
    ``changes.record_change``), so a higher id always commits later: a partner that has read
    up to id N can never later find an unseen change with an id below N."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="+")
    event = models.CharField(max_length=20, choices=WebhookEvent.choices)
    # Where the article was at the event and just before it: a move out of a partner's sections
    # still reaches that partner (as a removal).
    section = models.ForeignKey("articles.Section", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    previous_section = models.ForeignKey(
        "articles.Section", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    article_version = models.PositiveIntegerField()
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["article", "-id"], name="change_article_latest"),
            # The feed's position (``changes.feed_position``) looks for changes later than a moment.
            models.Index(fields=["occurred_at"], name="change_occurred_at"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.event} article {self.article_id}"
