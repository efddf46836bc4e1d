"""Background tasks of the talks app (run by `manage.py db_worker`)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django_tasks import task

from samtal.accounts.models import User
from samtal.core.exceptions import TransitionRefused
from samtal.talks.models import Round
from samtal.talks.services import round_launch

logger = logging.getLogger(__name__)


@task()
def launch_round(round_id: int, actor_id: int) -> int:
    """Launch the round HR asked for; returns how many talks were offered. A launch that has
    become impossible since it was asked for (template retired, HR role removed) is logged
    and leaves the round as it was."""
    round_ = Round.objects.select_related("template_version").get(pk=round_id)
    actor = User.objects.get(pk=actor_id)
    try:
        return round_launch(round_=round_, actor=actor).created
    except (TransitionRefused, PermissionDenied) as refused:
        logger.warning("Launch of round %s refused: %s", round_id, refused)
        return 0
