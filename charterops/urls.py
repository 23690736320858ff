from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "charterops"
admin.site.site_title = "charterops"
admin.site.index_title = "Operations"

from operations.urls import crew_urlpatterns as operations_crew_urls  # noqa: E402

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    # Before the admin's own patterns, so /admin/calendar/ is not read as an app label.
    path("admin/", include("operations.urls")),
    path("admin/", admin.site.urls),
    path("crew/", include((operations_crew_urls, "operations_crew"))),
    path("api/", include("api.urls")),
    path("crew/", include("crew.urls")),
    path("g/", include("guestpages.urls")),
    path("feeds/", include("marketplaces.urls")),
    path("webhooks/ses/tracking/", include("messaging.urls")),
]
