"""Build published and scheduled articles' stored forms afresh (``articles.readmodel``), and the
stored vehicle pages (``vehicles.pages``).

Run it after a deploy that changes what a stored form looks like (a template or builder, with a
new ``readmodel.SHAPE``), or to fill the read model of a database upgraded from before it
existed. Readers keep being served the stored forms meanwhile; each batch commits on its own."""

import sys

from django.core.management.base import BaseCommand

from articles import readmodel
from vehicles import pages as vehicle_pages


class Command(BaseCommand):
    help = (
        "Build the stored public forms of published and scheduled articles not stored yet or stored "
        "in an older shape (--all: every one), and drop those no longer public."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Rebuild every article, not only outdated ones.")

    def handle(self, *args, **options):
        rebuilt, changed, dropped = readmodel.rebuild_all(progress=self.progress, everything=options["all"])
        self.stdout.write(f"Rebuilt {rebuilt} articles: {changed} changed, {dropped} no longer public dropped.")
        rebuilt, changed = vehicle_pages.rebuild_all(everything=options["all"])
        self.stdout.write(f"Rebuilt {rebuilt} vehicle pages: {changed} changed.")

    def progress(self, done, total):
        """A progress bar on a terminal; nothing on a pipe or in a log."""
        if not sys.stderr.isatty():
            return
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}{end}")
        sys.stderr.flush()
