from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalksConfig(AppConfig):
    name = "samtal.talks"
    label = "talks"
    verbose_name = _("Talks")

    def ready(self) -> None:
        from samtal.core.models import HISTORY_ACTION_LABELS, HISTORY_FIELD_LABELS
        from samtal.talks import emails, services  # noqa: F401  (register renderers, reminders)

        HISTORY_FIELD_LABELS.update(
            {
                "talks_created": _("talks offered"),
                "without_manager": _("people without a manager"),
            }
        )
        HISTORY_ACTION_LABELS.update(
            {
                "round_created": _("Round created"),
                "round_updated": _("Round changed"),
                "round_launch_requested": _("Launch asked for"),
                "round_launched": _("Round launched"),
                "talk_offered": _("Talk offered"),
                "talk_requested": _("Talk asked for by the employee"),
                "talk_booked": _("Time booked"),
                "talk_rebooked": _("Time changed"),
                "talk_accepted": _("Time accepted"),
                "talk_change_asked": _("Another time asked for"),
                "talk_declined": _("Talk declined"),
                "talk_reopened": _("Talk opened again"),
                "talk_held": _("Talk held"),
                "talk_cancelled": _("Talk cancelled"),
                "talk_reassigned": _("Talk moved to another manager"),
                "room_created": _("Room added"),
                "room_updated": _("Room changed"),
            }
        )
