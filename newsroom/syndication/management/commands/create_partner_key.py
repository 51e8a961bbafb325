from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from newsroom.syndication.models import Partner


class Command(BaseCommand):
    help = "Issue a new API key for PARTNER (its name or id) and print it. The key is shown only this once."

    def add_arguments(self, parser):
        parser.add_argument("partner", help="Partner name or id.")
        parser.add_argument("--name", default="", help="What the key is for, e.g. 'production sync'.")
        parser.add_argument(
            "--rotate-days",
            type=int,
            default=None,
            help="Rotate: the partner's other keys keep working for this many days, then expire.",
        )
        parser.add_argument("--create", action="store_true", help="Create the partner if it does not exist.")
        parser.add_argument("--email", default="", help="Contact e-mail for a partner made with --create.")

    def handle(self, *args, partner, name, rotate_days, create, email, **options):
        found = Partner.objects.filter(name=partner).first()
        if found is None and partner.isdigit():
            found = Partner.objects.filter(pk=int(partner)).first()
        if found is None:
            if not create:
                raise CommandError(f"No partner called {partner!r}. Add --create to make one.")
            found = Partner.objects.create(name=partner, contact_email=email)
        grace = timedelta(days=rotate_days) if rotate_days is not None else None
        _key, secret = found.issue_key(name=name, rotation_grace=grace)
        self.stdout.write(secret)
