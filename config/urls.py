from django.urls import include, path

urlpatterns = [
    path("", include("samtal.core.urls")),
    path("accounts/", include("samtal.accounts.urls")),
    path("organisation/", include("samtal.organisation.urls")),
    path("templates/", include("samtal.talk_templates.urls")),
    path("talks/", include("samtal.talks.urls")),
    path("plans/", include("samtal.plans.urls")),
    path("work-environment/", include("samtal.workenv.urls")),
]
