import time

from django.conf import settings
from django.core.management.base import BaseCommand

from demo.content import load_demo, make_demo_renditions


class Command(BaseCommand):
    help = "Load the demo content (the Toyota story, its vehicles, demo logins). Safe to run again."

    def handle(self, *args, **options):
        loaded = load_demo()
        articles = loaded["articles"]
        self.stdout.write(f"Demo content ready: {len(articles)} articles, {len(loaded['vehicles'])} vehicle models.")
        started = time.monotonic()
        made = make_demo_renditions(loaded)
        if made:
            self.stdout.write(f"Image renditions made: {made} in {time.monotonic() - started:.1f} s.")
        if settings.DEBUG:
            self.stdout.write("Demo logins for the admin, /admin/ (development only):")
            for username, password, role in loaded["logins"]:
                self.stdout.write(f"  {role:<11} username: {username:<8} password: {password}")
