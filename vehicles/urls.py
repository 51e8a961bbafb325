from django.urls import path

from newsroom.core.pagecache import public_page
from vehicles import views

app_name = "vehicles"

vehicle_list = public_page(views.vehicle_list)

urlpatterns = [
    path("", vehicle_list, name="list"),
    path("<slug:make>/<slug:model>/", public_page(views.vehicle_detail), name="detail"),
]
# templates/base.html links the section as "vehicles:index"; same page.
urlpatterns.append(path("", vehicle_list, name="index"))
