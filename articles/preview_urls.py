"""Signed, expiring preview links for people without a login (see articles.preview)."""

app_name = "preview"

urlpatterns: list = []
