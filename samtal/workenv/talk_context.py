"""What a talk's pages show of its work-environment observations (the record page and the
talk page): only ever to the two parties of the talk, never to anyone else who may read the
talk or its record."""

from __future__ import annotations

from typing import Any

from samtal.accounts.permissions import Roles
from samtal.talk_templates.models import Question
from samtal.talks.models import Talk
from samtal.workenv import selectors
from samtal.workenv.models import Party
from samtal.workenv.permissions import can_observe, talk_party


def talk_observation_context(*, roles: Roles, talk: Talk) -> dict[str, Any]:
    """The talk's observations for a party (with what the manager decided about them), whether
    the user may add one now, whether they are the employee (who alone decides whether a
    description may leave the talk), and the ids of the questions that raise observations.
    At most three queries whatever the number of observations; none for a non-party."""
    party = talk_party(roles, talk)
    if not party:
        return {"workenv_party": "", "talk_observations": [], "can_add_observation": False}
    can_add = can_observe(roles, talk)
    flagged: set[int] = set()
    if can_add:
        flagged = set(
            Question.objects.filter(
                section__version_id=talk.template_version_id, raises_observation=True
            ).values_list("pk", flat=True)
        )
    return {
        "workenv_party": party,
        "talk_observations": selectors.talk_observations(roles=roles, talk=talk),
        "can_add_observation": can_add,
        "is_talk_employee": party == Party.EMPLOYEE,
        "observation_question_ids": flagged,
    }
