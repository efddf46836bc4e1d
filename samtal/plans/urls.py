from django.urls import path

from samtal.plans.views import competence, exports, goals, plan, record

app_name = "plans"

urlpatterns = [
    # One person's plan: the employee and their current manager follow it up.
    path("", plan.my_plan, name="my_plan"),
    path("follow-up/", plan.team_follow_up, name="team_follow_up"),
    path("<int:person>/", plan.plan_detail, name="plan_detail"),
    path("<int:person>/goals/add/", plan.goal_add, name="goal_add"),
    path("<int:person>/activities/add/", plan.activity_add, name="activity_add"),
    path("<int:person>/checkpoints/add/", plan.checkpoint_add, name="checkpoint_add"),
    path("goals/<int:pk>/edit/", plan.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/follow-up/", plan.goal_follow_up, name="goal_follow_up"),
    path("activities/<int:pk>/edit/", plan.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/status/", plan.activity_status, name="activity_status"),
    path("checkpoints/<int:pk>/edit/", plan.checkpoint_edit, name="checkpoint_edit"),
    path("checkpoints/<int:pk>/complete/", plan.checkpoint_complete, name="checkpoint_complete"),
    path("checkpoints/<int:pk>/cancel/", plan.checkpoint_cancel, name="checkpoint_cancel"),
    path("checkpoints/<int:pk>/meeting/", plan.checkpoint_meeting, name="checkpoint_meeting"),
    path("checkpoints/<int:pk>/invitation.ics", plan.checkpoint_ics, name="checkpoint_ics"),
    path("<int:person>/plan.<str:fmt>", exports.plan_export, name="plan_export"),
    # Proposing items in a talk's record (the note-taker, while the record can be written).
    path("talk/<int:talk>/goals/add/", record.goal_add, name="record_goal_add"),
    path("talk/<int:talk>/activities/add/", record.activity_add, name="record_activity_add"),
    path("talk/<int:talk>/checkpoints/add/", record.checkpoint_add, name="record_checkpoint_add"),
    path(
        "talk/<int:talk>/<str:kind>/<int:pk>/remove/",
        record.item_remove,
        name="record_item_remove",
    ),
    # The units' goals for the year.
    path("unit-goals/", goals.unit_goal_list, name="unit_goals"),
    path("unit-goals/<int:pk>/edit/", goals.unit_goal_edit, name="unit_goal_edit"),
    path("unit-goals/<int:pk>/publish/", goals.unit_goal_publish, name="unit_goal_publish"),
    path("unit-goals/<int:pk>/withdraw/", goals.unit_goal_withdraw, name="unit_goal_withdraw"),
    # Competence needs of the organisation, as aggregates only.
    path("competence/", competence.competence_needs, name="competence"),
    path("competence/export.<str:fmt>", competence.competence_export, name="competence_export"),
]
