"""The site's public address: every absolute URL the site hands out (canonical links, JSON-LD,
feeds, sitemaps, ninjs URIs, image URLs) is built here from ``SITE_URL``, never from the
request's Host header, which a client chooses and a cached page would then show to everybody."""

from django.conf import settings


def site_url():
    """The public site's address, without a trailing slash (the home page is ``absolute_url("/")``)."""
    return settings.SITE_URL


def absolute_url(path):
    """``path`` on the public site; URLs that are already absolute (object storage) pass through."""
    return path if path.startswith(("http://", "https://")) else site_url() + path
