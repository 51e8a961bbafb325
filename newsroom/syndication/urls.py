from django.urls import path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from newsroom.syndication import problems, views

app_name = "syndication"

_public = {"authentication_classes": [], "permission_classes": [AllowAny]}
# The docs page has no template for OPTIONS' description of the view: answering one was a 500.
_reads_only = {**_public, "http_method_names": ["get", "head"]}

urlpatterns = [
    path("schema/", views.SchemaView.as_view(**_public), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="syndication:schema", **_reads_only), name="docs"),
    path("problems/<slug:slug>", problems.describe, name="problem-type"),
    path("v1/articles/", views.ArticleList.as_view(), name="article-list"),
    path("v1/articles/<int:pk>/", views.ArticleDetail.as_view(), name="article-detail"),
    path("v1/changes/", views.ChangeFeed.as_view(), name="changes"),
    path("v1/sections/", views.SectionList.as_view(), name="section-list"),
    path("v1/sections/<slug:slug>/", views.SectionDetail.as_view(), name="section-detail"),
    path("v1/tags/", views.TagList.as_view(), name="tag-list"),
    path("v1/tags/<slug:slug>/", views.TagDetail.as_view(), name="tag-detail"),
    path("v1/vehicle-models/", views.VehicleModelList.as_view(), name="vehicle-model-list"),
    path("v1/vehicle-models/<int:pk>/", views.VehicleModelDetail.as_view(), name="vehicle-model-detail"),
    path("v1/vins/<str:vin>/", views.VinDecode.as_view(), name="vin"),
    # Anything else under /api/ is a problem document too, never the HTML 404 page.
    re_path(r"^[\s\S]*$", problems.not_found),
]
