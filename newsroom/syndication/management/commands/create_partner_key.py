from argparse import ArgumentTypeError
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from newsroom.syndication.models import Partner
from newsroom.syndication.parameters import whole_number

# A rotation longer than a year is no rotation: leave the old key valid and revoke it later.
MAX_ROTATE_DAYS = 365
MAX_ID = 2**63 - 1


def rotate_days(text):
    try:
        return whole_number(text, 0, MAX_ROTATE_DAYS)
    except ValueError as error:
        raise ArgumentTypeError(str(error)) from None


def partner_id(text):
    """The partner id ``text`` names in ASCII digits, or None: int() would also read "٢" as 2."""
    try:
        return whole_number(text, 1, MAX_ID)
    except ValueError:
        return None


class Command(BaseCommand):
    help = "Issue a new API key for PARTNER (its name or id) and print it. The key is shown only this once."

    def add_arguments(self, parser):
        parser.add_argument("partner", help="Partner name or id.")
        parser.add_argument("--name", default="", help="What the key is for, e.g. 'production sync'.")
        parser.add_argument(
            "--rotate-days",
            type=rotate_days,
            default=None,
            help=f"Rotate: the partner's other keys keep working for this many days (0 to {MAX_ROTATE_DAYS}), "
            "then expire.",
        )
        parser.add_argument("--create", action="store_true", help="Create the partner if it does not exist.")
        parser.add_argument("--email", default="", help="Contact e-mail for a partner made with --create.")

    def handle(self, *args, partner, name, rotate_days, create, email, **options):
        found = Partner.objects.filter(name=partner).first()
        if found is None and partner_id(partner) is not None:
            found = Partner.objects.filter(pk=partner_id(partner)).first()
        if found is None:
            if not create:
                raise CommandError(f"No partner called {partner!r}. Add --create to make one.")
            found = self._create(partner, email)
        grace = timedelta(days=rotate_days) if rotate_days is not None else None
        _key, secret = found.issue_key(name=name, rotation_grace=grace)
        self.stdout.write(secret)

    def _create(self, name, email):
        """A new partner, checked as the admin's form checks one (a name, a valid e-mail)."""
        partner = Partner(name=name, contact_email=email)
        try:
            partner.full_clean()
        except ValidationError as error:
            problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
            raise CommandError(f"Cannot create partner {name!r}: {problems}") from None
        partner.save()
        return partner
