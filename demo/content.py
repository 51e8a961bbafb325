"""Demo content: the Toyota story from shared/FACTS.md, its three vehicles, and the demo logins.

Every function here is idempotent: it looks records up by their natural keys and creates only
what is missing, so `load_demo` can run on every `make run`.
"""

import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from articles.models import MarketReport
from demo import stories, toyotas
from newsroom.core.roles import EDITOR, SITE_ADMIN, WRITER
from vehicles.models import AvailabilityStatus, MarketAvailability

DEMO_ACCOUNTS = [
    ("editor", "Erika Editor", EDITOR),
    ("writer", "Walter Writer", WRITER),
    ("admin", "Ada Admin", SITE_ADMIN),
]


def ensure_demo_accounts():
    """Create the demo logins (once) and return [(username, password, role)].

    Passwords are generated on first run and kept in var/ so the printed login stays valid."""
    store = settings.VAR_DIR / "demo-accounts.json"
    passwords = json.loads(store.read_text()) if store.exists() else {}
    user_model = get_user_model()
    logins = []
    for username, full_name, role in DEMO_ACCOUNTS:
        first, last = full_name.split(" ", 1)
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "is_staff": True}
        )
        if created or username not in passwords or not user.check_password(passwords[username]):
            passwords.setdefault(username, secrets.token_urlsafe(9))
            user.set_password(passwords[username])
            user.is_staff = True
            user.save()
        user.groups.add(Group.objects.get(name=role))
        logins.append((username, passwords[username], role))
    store.write_text(json.dumps(passwords, indent=2))
    store.chmod(0o600)
    return logins


@transaction.atomic
def load_demo():
    """Load everything; returns a dict of what exists now."""
    logins = ensure_demo_accounts()
    vehicles = toyotas.load_toyota_japan()
    articles = stories.load_articles(vehicles=vehicles, today=timezone.now())
    # The Japan launches were reported by the Toyota story: link them once both exist (a launch an
    # editor has since linked to another article keeps that link).
    launches = MarketAvailability.objects.filter(
        vehicle_model__in=vehicles.values(), market__country="JP", status=AvailabilityStatus.ANNOUNCED
    )
    MarketReport.objects.bulk_create(
        [MarketReport(availability=launch, article=articles["published"]) for launch in launches],
        ignore_conflicts=True,
    )
    return {"logins": logins, "vehicles": vehicles, "articles": articles}


def make_demo_renditions(loaded):
    """The renditions readers are shown of the demo's images, made now rather than by the task
    worker the upload queued, and the stories showing them stored again with them, so the first
    page shows them (the queued tasks then find nothing to do). Returns how many were made."""
    from articles import readmodel
    from newsroom.media.tasks import make_reader_renditions

    images = {article.lead_image for article in loaded["articles"].values() if article.lead_image_id}
    made = sum(make_reader_renditions(image) for image in images)
    if made:
        readmodel.sync([article.pk for article in loaded["articles"].values()])
    return made
