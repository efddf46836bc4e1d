from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalkTemplatesConfig(AppConfig):
    name = "samtal.talk_templates"
    label = "talk_templates"
    verbose_name = _("Talk templates")

    def ready(self) -> None:
        from samtal.core.models import HISTORY_ACTION_LABELS

        HISTORY_ACTION_LABELS.update(
            {
                "template_created": _("Template created"),
                "draft_created": _("Draft version created"),
                "draft_edited": _("Draft edited"),
                "version_published": _("Version published"),
                "version_retired": _("Version retired"),
            }
        )
