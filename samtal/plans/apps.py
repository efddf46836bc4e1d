from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "samtal.plans"
    label = "plans"
    verbose_name = _("Development plans")

    def ready(self) -> None:
        from samtal.core.models import AUDIT_WHAT_LABELS, HISTORY_ACTION_LABELS
        from samtal.plans import emails, record_plan, services  # noqa: F401  (registrations)

        AUDIT_WHAT_LABELS["development_plan"] = _("Development plan")
        HISTORY_ACTION_LABELS.update(
            {
                "unit_goal_created": _("Unit goal added"),
                "unit_goal_updated": _("Unit goal changed"),
                "unit_goal_published": _("Unit goal published"),
                "unit_goal_withdrawn": _("Unit goal withdrawn"),
                "plan_goal_added": _("Goal added"),
                "plan_goal_changed": _("Goal changed"),
                "plan_goal_removed": _("Proposed goal removed"),
                "plan_goal_status": _("Goal followed up"),
                "plan_activity_added": _("Activity added"),
                "plan_activity_changed": _("Activity changed"),
                "plan_activity_removed": _("Proposed activity removed"),
                "plan_activity_status": _("Activity status changed"),
                "plan_checkpoint_added": _("Checkpoint added"),
                "plan_checkpoint_changed": _("Checkpoint changed"),
                "plan_checkpoint_removed": _("Proposed checkpoint removed"),
                "plan_checkpoint_done": _("Checkpoint done"),
                "plan_checkpoint_cancelled": _("Checkpoint cancelled"),
                "plan_checkpoint_meeting": _("Follow-up meeting booked"),
                "plan_items_agreed": _("Items agreed in the talk"),
            }
        )
