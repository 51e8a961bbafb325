"""Stable URIs and small text helpers shared by the JSON and ninjs representations."""

from newsroom.core.site import absolute_url


def api_uri(path):
    return absolute_url(f"/api/v1/{path}")


def article_uri_for_id(article_id):
    return api_uri(f"articles/{article_id}/")


def article_uri(article):
    return article_uri_for_id(article.pk)


def web_url(article):
    return absolute_url(article.get_absolute_url())


def section_uri(section):
    return api_uri(f"sections/{section.slug}/")


def tag_uri(tag):
    return api_uri(f"tags/{tag.slug}/")


def vehicle_model_uri(vehicle_model):
    return api_uri(f"vehicle-models/{vehicle_model.pk}/")


def image_uri(image):
    return absolute_url(image.file.url)


def byline(article):
    names = [line.author.name for line in article.byline_list]
    return " and ".join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else ""
