from articles.models import Section
from articles.presentation import nav_sections
from newsroom.core import cache_keys


def navigation(request):
    """The sections in every public page's navigation (templates/base.html), for pages that are not
    the articles app's own (the vehicle pages). Read only when a template shows them (admin pages
    never do); the articles views pass the list they have already loaded, which takes precedence.
    Reading them records the sections' key, so a section's rename renews the page in the cache."""

    def sections():
        cache_keys.show(request, cache_keys.list_key(Section))
        return nav_sections()

    return {"nav_sections": sections}
