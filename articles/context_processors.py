from articles.models import Section


def navigation(request):
    """The sections in every public page's navigation (templates/base.html), for pages that are not
    the articles app's own (the vehicle pages). Read only when a template shows them (admin pages
    never do); the articles views pass the list they have already loaded, which takes precedence."""
    return {"nav_sections": lambda: list(Section.objects.all())}
