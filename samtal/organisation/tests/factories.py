from __future__ import annotations

import factory

from samtal.accounts.tests.factories import UserFactory
from samtal.organisation.models import EmploymentCategory, ManagerRelation, Person, Unit


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name_sv = factory.Sequence(lambda n: f"Enhet {n}")
    name_en = factory.Sequence(lambda n: f"Unit {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from samtal.organisation.services import unit_paths_rebuild

        unit = super()._create(model_class, *args, **kwargs)
        unit_paths_rebuild()
        unit.refresh_from_db()
        return unit


def _open_manager_relation(
    person: Person, create: bool, extracted: object, **kwargs: object
) -> None:
    if create and person.manager_id:
        ManagerRelation.objects.create(
            employee=person, manager_id=person.manager_id, valid_from="2020-01-01"
        )


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    employee_number = factory.Sequence(lambda n: f"E{n:05d}")
    first_name = factory.Faker("first_name", locale="sv_SE")
    last_name = factory.Faker("last_name", locale="sv_SE")
    unit = factory.SubFactory(UnitFactory)
    employment_category = EmploymentCategory.ADMIN_STAFF

    manager_relation = factory.PostGeneration(_open_manager_relation)
