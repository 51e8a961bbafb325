"""Demo content: the Toyota story from shared/FACTS.md, its three vehicles, and the demo logins.

Every function here is idempotent: it looks records up by their natural keys and creates only
what is missing, so `load_demo` can run on every `make run`.
"""

import io
import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from newsroom.core.roles import EDITOR, SITE_ADMIN, WRITER

DEMO_ACCOUNTS = [
    ("editor", "Erika Editor", EDITOR),
    ("writer", "Walter Writer", WRITER),
    ("admin", "Ada Admin", SITE_ADMIN),
]

TOYOTA_STORY_SLUG = "toyota-to-sell-us-built-camry-highlander-and-tundra-in-japan"

TOYOTA_STORY_BODY = """
<p>Toyota will start selling three cars it builds in the United States to buyers in Japan,
the company said on 19 December 2025. The Camry sedan, the Highlander SUV and the Tundra
full-size pickup are due to arrive one after another from 2026.</p>
<p>Toyota gave two reasons: a wider choice of models for its home market, and a contribution to
trade relations between the United States and Japan. It announced no volumes, no prices and no
exact launch dates.</p>
<h2>Three familiar names, three different histories in Japan</h2>
<ul>
<li>The <strong>Camry</strong>, built in Georgetown, Kentucky, left the Japanese line-up in 2023.</li>
<li>The <strong>Highlander</strong>, built in Princeton, Indiana, was last sold in Japan as the Kluger, until 2007.</li>
<li>The <strong>Tundra</strong>, built in San Antonio, Texas, has never been sold in Japan officially.</li>
</ul>
<h2>The trade background</h2>
<p>The move follows the US–Japan trade framework of 22 July 2025. A US executive order of
4 September 2025 cut the tariff on Japanese cars to 15% from 27.5%, and said Japan would accept
passenger cars built and safety-certified in the US without further testing.</p>
<p>On 16 February 2026 Japan's transport ministry set up an approval system for US-made passenger
cars: approved cars are treated as meeting Japan's safety standards, carry a mark on the rear,
and have the approval written on their inspection certificate. The same day, the trade ministry
took delivery of two US-built Highlanders as official cars.</p>
<p>All three models are wider than 1.70 metres, so in Japan they fall into the "ordinary"
(3-number) size class rather than the "small" one.</p>
""".strip()


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


def make_demo_image_bytes(width=1600, height=900):
    """A lead image drawn with Pillow at load time: a road at dusk, no download needed."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = int(40 + 120 * y / height)
        draw.line([(0, y), (width, y)], fill=(shade // 2, shade // 2 + 20, shade + 60))
    draw.polygon(
        [(0, height), (width * 0.45, height * 0.55), (width * 0.55, height * 0.55), (width, height)], fill=(45, 45, 50)
    )
    for i in range(6):
        top = height * (0.6 + i * 0.07)
        draw.rectangle([width * 0.495, top, width * 0.505, top + height * 0.03], fill=(240, 220, 120))
    draw.ellipse([width * 0.7, height * 0.1, width * 0.8, height * 0.1 + width * 0.1], fill=(250, 200, 120))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


@transaction.atomic
def load_demo():
    """Load everything; returns a dict of what exists now."""
    from articles import demo as article_demo
    from vehicles import demo as vehicle_demo
    from vehicles.models import AvailabilityStatus, MarketAvailability

    logins = ensure_demo_accounts()
    vehicles = vehicle_demo.load_toyota_japan()
    articles = article_demo.load_articles(vehicles=vehicles, today=timezone.now())
    # The Japan launches were reported by the Toyota story: link them once both exist.
    MarketAvailability.objects.filter(
        vehicle_model__in=vehicles.values(), market__country="JP", status=AvailabilityStatus.ANNOUNCED
    ).filter(reported_in=None).update(reported_in=articles["published"])
    return {"logins": logins, "vehicles": vehicles, "articles": articles}
