from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkenvConfig(AppConfig):
    name = "samtal.workenv"
    label = "workenv"
    verbose_name = _("Work environment (SAM)")

    def ready(self) -> None:
        from samtal.core.models import HISTORY_ACTION_LABELS, HISTORY_FIELD_LABELS
        from samtal.workenv import emails, reminders, services  # noqa: F401  (registrations)

        HISTORY_ACTION_LABELS.update(
            {
                "observation_raised": _("Work-environment observation registered"),
                "observation_changed": _("Work-environment observation changed"),
                "observation_withdrawn": _("Work-environment observation withdrawn"),
                "observation_consent": _("Permission for the description changed"),
                "risk_assessed": _("Risk assessed"),
                "action_added": _("Action added"),
                "action_changed": _("Action changed"),
                "action_started": _("Action started"),
                "action_followed_up": _("Action followed up"),
                "annual_follow_up_saved": _("Annual follow-up summary saved"),
                "workenv_policy_changed": _("Work-environment settings changed"),
            }
        )
        HISTORY_FIELD_LABELS.update(
            {
                "category": _("category"),
                "severity": _("severity"),
                "description_may_leave": _("the description may leave the talk"),
                "likelihood": _("likelihood"),
                "consequence": _("consequence"),
                "risk_level": _("risk level"),
                "no_action_reason": _("reason for no action"),
                "what": _("action"),
                "due_on": _("to be done by"),
                "follow_up_on": _("follow-up date"),
                "outcome": _("outcome"),
            }
        )
