from django.urls import path

from samtal.talks.views import rooms, rounds, talk

app_name = "talks"

urlpatterns = [
    # The employee's and the manager's pages, and one talk.
    path("", talk.my_talks, name="my_talks"),
    path("team/", talk.team, name="team"),
    path("extra/new/", talk.extra_start, name="extra_start"),
    path("extra/request/", talk.extra_request, name="extra_request"),
    path("<int:pk>/", talk.talk_detail, name="talk_detail"),
    path("<int:pk>/book/", talk.talk_book, name="talk_book"),
    path("<int:pk>/accept/", talk.talk_accept, name="talk_accept"),
    path("<int:pk>/request-change/", talk.talk_request_change, name="talk_request_change"),
    path("<int:pk>/decline/", talk.talk_decline, name="talk_decline"),
    path("<int:pk>/reopen/", talk.talk_reopen, name="talk_reopen"),
    path("<int:pk>/held/", talk.talk_held, name="talk_held"),
    path("<int:pk>/cancel/", talk.talk_cancel, name="talk_cancel"),
    path("<int:pk>/reassign/", talk.talk_reassign, name="talk_reassign"),
    path("<int:pk>/invitation.ics", talk.talk_ics_download, name="talk_ics"),
    # HR: rounds and coverage.
    path("rounds/", rounds.round_list, name="round_list"),
    path("rounds/new/", rounds.round_create, name="round_create"),
    path("rounds/<int:pk>/", rounds.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", rounds.round_edit, name="round_edit"),
    path("rounds/<int:pk>/launch/", rounds.round_launch, name="round_launch"),
    path("rounds/<int:pk>/talks/", rounds.round_talk_list, name="round_talks"),
    path(
        "rounds/<int:pk>/without-manager/",
        rounds.round_without_manager,
        name="round_without_manager",
    ),
    path("rounds/<int:pk>/export/<str:what>.<str:fmt>", rounds.round_export, name="round_export"),
    # Rooms offered for talks.
    path("rooms/", rooms.room_list, name="room_list"),
    path("rooms/<int:pk>/edit/", rooms.room_edit, name="room_edit"),
]
