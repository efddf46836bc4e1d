from django.urls import path

from samtal.talks.views import exports, feedback, preparation, record, rooms, rounds, talk

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
    # Preparation and afterwards: what each party writes alone.
    path("<int:pk>/prepare/", preparation.prepare, name="talk_prepare"),
    path("<int:pk>/answers/<int:question>/", preparation.answer_save, name="answer_save"),
    path("<int:pk>/answers/share/", preparation.answers_share, name="answers_share"),
    path(
        "<int:pk>/answers/<int:question>/unshare/",
        preparation.answer_unshare,
        name="answer_unshare",
    ),
    path("<int:pk>/afterwards/", preparation.afterwards, name="talk_afterwards"),
    path("<int:pk>/private-note/", preparation.private_note_save, name="private_note_save"),
    # The shared record and its agreement.
    path("<int:pk>/record/", record.record_page, name="talk_record"),
    path("<int:pk>/record/entries/<int:question>/", record.entry_save, name="record_entry_save"),
    path("<int:pk>/record/passed-on/", record.passed_on_save, name="record_passed_on"),
    path("<int:pk>/record/comments/", record.comment_add, name="record_comment"),
    path("<int:pk>/record/note-taker/", record.note_taker_set, name="record_note_taker"),
    path("<int:pk>/record/send/", record.send, name="record_send"),
    path("<int:pk>/record/agree/", record.agree, name="record_agree"),
    path("<int:pk>/record/correct/", record.correct, name="record_correct"),
    path("<int:pk>/record/versions/", record.versions, name="record_versions"),
    # Exports for the two parties.
    path("<int:pk>/record/v<int:number>.<str:fmt>", exports.record_export, name="record_export"),
    path("<int:pk>/salary-basis.pdf", exports.salary_basis_pdf, name="salary_basis_pdf"),
    # Upward feedback, only as aggregates over at least K respondents.
    path("team/feedback/", feedback.manager_feedback, name="manager_feedback"),
    path("rounds/<int:pk>/feedback/", feedback.round_feedback, name="round_feedback"),
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
