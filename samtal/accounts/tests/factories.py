from __future__ import annotations

import factory

from samtal.accounts.models import RoleAssignment, User

PASSWORD = "correct-horse-battery"


def _save_password(user: User, create: bool, extracted: object, **kwargs: object) -> None:
    if create:
        user.save(update_fields=["password"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.se")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    save_password = factory.PostGeneration(_save_password)


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
