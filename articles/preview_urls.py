"""Signed, expiring preview links for people without a login (see articles.preview)."""

from django.urls import path

from articles import preview

app_name = "preview"

urlpatterns = [
    path("<str:token>/", preview.shared_preview, name="shared"),
]
