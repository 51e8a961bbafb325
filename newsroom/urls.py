from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from newsroom.core import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/", include("newsroom.syndication.urls")),
    path("preview/", include("articles.preview_urls")),
    path("vehicles/", include("vehicles.urls")),
    path("", include("articles.urls")),
]

if settings.DEBUG and not settings.AWS_STORAGE_BUCKET_NAME:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
