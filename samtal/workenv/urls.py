from django.urls import path

from samtal.workenv.views import aggregates, annual, mine, observations, register, settings

app_name = "workenv"

urlpatterns = [
    # Observations in a talk: its two parties.
    path("talk/<int:talk>/observations/add/", observations.observation_add, name="observation_add"),
    path("observations/<int:pk>/edit/", observations.observation_edit, name="observation_edit"),
    path(
        "observations/<int:pk>/consent/",
        observations.observation_consent,
        name="observation_consent",
    ),
    path(
        "observations/<int:pk>/withdraw/",
        observations.observation_withdraw,
        name="observation_withdraw",
    ),
    # The employer's routine and contacts for victimisation, harassment and discrimination.
    path("routine/", observations.routine, name="routine"),
    # The unit register: the manager of the unit's people.
    path("register/", register.register, name="register"),
    path("register/<int:unit>/risks/add/", register.risk_add, name="risk_add"),
    path("risks/<int:pk>/", register.risk_detail, name="risk_detail"),
    path("risks/<int:pk>/assess/", register.risk_assess, name="risk_assess"),
    path("risks/<int:pk>/actions/add/", register.action_add, name="action_add"),
    path("actions/<int:pk>/edit/", register.action_edit, name="action_edit"),
    path("actions/<int:pk>/start/", register.action_start, name="action_start"),
    path("actions/<int:pk>/follow-up/", register.action_follow_up, name="action_follow_up"),
    # Aggregates: HR, safety representatives and managers, for their units.
    path("overview/", aggregates.overview, name="overview"),
    # The annual SAM follow-up of a unit.
    path("follow-up/", annual.annual_index, name="annual_index"),
    path("follow-up/<int:unit>/<int:year>/", annual.annual_detail, name="annual_detail"),
    path("follow-up/<int:unit>/<int:year>/summary/", annual.annual_summary, name="annual_summary"),
    path(
        "follow-up/<int:unit>/<int:year>/export.<str:fmt>",
        annual.annual_export,
        name="annual_export",
    ),
    # The actions a person is named responsible for.
    path("my-actions/", mine.my_actions, name="my_actions"),
    # The admin's settings: routine, contacts, risk matrix.
    path("settings/", settings.settings_edit, name="settings"),
    path("settings/contacts/add/", settings.contact_add, name="contact_add"),
    path("settings/contacts/<int:pk>/edit/", settings.contact_edit, name="contact_edit"),
    path("settings/contacts/<int:pk>/delete/", settings.contact_delete, name="contact_delete"),
]
