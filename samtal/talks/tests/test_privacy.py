"""DESIGN.md's privacy table as data: every item of a talk × every role, read through the
selectors in content_selectors.py and written through the services.

| item                                             | who may read                                |
| unshared preparation answer, private note,       | its author only                             |
|   own self-evaluation                            |                                             |
| shared preparation answer, record working copy   | the two parties                             |
| agreed record                                    | the two parties, the employee's next manager|
|                                                  | and HR when the org policy allows (logged)  |

A reader sees an item if any selector, called with the reader's own person id and roles,
returns it. Every read by a non-party writes an audit log entry; a party's read writes none.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from samtal.accounts.models import Role
from samtal.accounts.permissions import get_roles
from samtal.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from samtal.core.models import AuditLogEntry, OrgPolicy
from samtal.organisation.services import person_set_manager
from samtal.organisation.tests.factories import PersonFactory
from samtal.talk_templates.models import Question, TemplateVersion, VersionStatus
from samtal.talk_templates.tests.factories import make_draft, make_question
from samtal.talks import content_selectors, services
from samtal.talks import record as rec
from samtal.talks.content_selectors import (
    agreed_content_for,
    own_answers,
    private_note_of,
    record_access,
    record_of,
    shared_answers_for,
)
from samtal.talks.models import Record, RecordEntry, Talk
from samtal.talks.preparation import (
    answer_save,
    answer_unshare,
    answers_share,
    private_note_save,
)
from samtal.talks.tests.factories import booked_talk

# Each item is marked by a unique text, so "who sees it" is "whose reads contain the text".
ITEMS = {
    "employee_unshared_prep": "E-UNSHARED-PREP",
    "manager_unshared_prep": "M-UNSHARED-PREP",
    "employee_shared_prep": "E-SHARED-PREP",
    "manager_shared_prep": "M-SHARED-PREP",
    "employee_private_note": "E-PRIVATE-NOTE",
    "manager_private_note": "M-PRIVATE-NOTE",
    "employee_self_evaluation": "E-SELF-EVALUATION",
    "manager_self_evaluation": "M-SELF-EVALUATION",
    "record_working_copy": "WORKING-COPY",
    "agreed_record": "AGREED-RECORD",
}

ROLES = [
    "employee",
    "manager",
    "next_manager",
    "hr_policy_off",
    "hr_policy_on",
    "hr_other_unit_policy_on",
    "admin_user",
    "superuser",
    "admin_with_person",
    "safety_rep",
    "colleague",
    "other_manager",
]

PARTIES = {"employee", "manager"}
MAY_READ: dict[str, set[str]] = {
    "employee_unshared_prep": {"employee"},
    "manager_unshared_prep": {"manager"},
    "employee_shared_prep": PARTIES,
    "manager_shared_prep": PARTIES,
    "employee_private_note": {"employee"},
    "manager_private_note": {"manager"},
    "employee_self_evaluation": {"employee"},
    "manager_self_evaluation": {"manager"},
    "record_working_copy": PARTIES,
    "agreed_record": PARTIES | {"next_manager", "hr_policy_on"},
}
# Non-parties whose read of the agreed record is allowed, and on what ground it is logged.
LOGGED_READERS = {"next_manager": "next_manager", "hr_policy_on": "hr"}


def _publish(version: TemplateVersion) -> TemplateVersion:
    TemplateVersion.objects.filter(pk=version.pk).update(
        status=VersionStatus.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return version


def _q(talk: Talk, key: str) -> Question:
    return Question.objects.get(section__version=talk.template_version_id, key=key)


def _answer(talk: Talk, who: Any, key: str, text: str, value: Any = None) -> None:
    answer_save(
        talk=talk, actor=who.user, question=_q(talk, key), text=text, value=value, revision=0
    )


@dataclass
class World:
    talk: Talk
    record: Record
    employee: Any
    manager: Any
    next_manager: Any


@pytest.fixture
def world(employee, manager) -> World:
    """A talk with every item of the privacy table, then the employee moves to a new manager."""
    version = make_draft()
    prep = version.sections.get(key="prep")
    make_question(prep, "tasks_private")
    make_question(prep, "view_private", answered_by="manager_prep")
    version = _publish(version)
    talk = booked_talk(employee, days_ahead=-1, template_version=version)

    _answer(talk, employee, "tasks", ITEMS["employee_shared_prep"])
    _answer(talk, manager, "view", ITEMS["manager_shared_prep"])

    talk = services.talk_mark_held(
        talk=talk, actor=manager.user, revision=talk.revision, note_taker="manager"
    )
    _answer(talk, employee, "how", ITEMS["employee_self_evaluation"], True)
    _answer(talk, manager, "how", ITEMS["manager_self_evaluation"], False)
    # "Share everything" never shares a self-evaluation.
    answers_share(talk=talk, actor=employee.user)
    answers_share(talk=talk, actor=manager.user)
    # Preparation stays open until the record is agreed; these two are never shared.
    _answer(talk, employee, "tasks_private", ITEMS["employee_unshared_prep"])
    _answer(talk, manager, "view_private", ITEMS["manager_unshared_prep"])
    private_note_save(
        talk=talk, actor=employee.user, text=ITEMS["employee_private_note"], revision=0
    )
    private_note_save(talk=talk, actor=manager.user, text=ITEMS["manager_private_note"], revision=0)

    # The record: agreed with one text, then reopened for a correction with another.
    record = Record.objects.get(talk=talk)
    workload = _q(talk, "workload")
    rec.record_entry_save(
        record=record,
        actor=manager.user,
        question=workload,
        text=ITEMS["agreed_record"],
        value=3,
        revision=0,
    )
    record.refresh_from_db()
    version_ = rec.record_send(record=record, actor=manager.user, revision=record.revision)
    for who in (employee, manager):
        rec.record_agree(
            record=record,
            actor=who.user,
            version_number=version_.number,
            hash_=version_.content_hash,
        )
    record.refresh_from_db()
    rec.record_correct(record=record, actor=manager.user, revision=record.revision)
    rec.record_entry_save(
        record=record,
        actor=manager.user,
        question=workload,
        text=ITEMS["record_working_copy"],
        value=3,
        revision=1,
    )

    next_manager = PersonFactory(unit=employee.unit, first_name="Nina", last_name="Nästa")
    person_set_manager(person=employee, manager=next_manager, actor=None)
    talk = Talk.objects.select_related("employee", "unit").get(pk=talk.pk)
    record = Record.objects.get(pk=record.pk)
    return World(talk, record, employee, manager, next_manager)


@pytest.fixture
def reader(world, hr, safety_rep, colleague, other_manager, admin_user, other_dept):
    """The user for a role name (setting the org policy the role implies)."""

    def _reader(role: str) -> Any:
        OrgPolicy.current()
        OrgPolicy.objects.filter(pk=1).update(hr_may_read_records=role.endswith("policy_on"))
        if role in ("employee", "manager", "next_manager"):
            return getattr(world, role).user
        if role in ("hr_policy_off", "hr_policy_on"):
            return hr.user
        if role == "hr_other_unit_policy_on":
            person = PersonFactory(unit=other_dept)
            RoleAssignmentFactory(user=person.user, role=Role.HR, unit=other_dept)
            return person.user
        if role == "superuser":
            return UserFactory(is_superuser=True, is_staff=True)
        if role == "admin_with_person":
            # An admin who is also an employee somewhere else in the organisation.
            person = PersonFactory(unit=other_dept, manager=other_manager)
            RoleAssignmentFactory(user=person.user, role=Role.ADMIN, unit=None)
            return person.user
        if role == "admin_user":
            return admin_user
        return {"safety_rep": safety_rep, "colleague": colleague, "other_manager": other_manager}[
            role
        ].user

    return _reader


def _texts_of_answers(answers: dict[int, Any]) -> set[str]:
    return {a.text for a in answers.values()}


def _texts_of_version(version: Any) -> set[str]:
    if version is None:
        return set()
    return {
        question["answer"]
        for section in version.content["sections"]
        for question in section["questions"]
    }


def readable_by(world: World, user: Any) -> set[str]:
    """Every item text the user obtains from the selectors, as a page would call them: with
    the user's own person id and roles; the working copy only when record_access makes them a
    party (a non-party gets at most the agreed version)."""
    roles = get_roles(user)
    talk = world.talk
    seen: set[str] = set()
    if roles.person_id is not None:
        seen |= _texts_of_answers(own_answers(talk=talk, person_id=roles.person_id))
        seen |= _texts_of_answers(shared_answers_for(talk=talk, person_id=roles.person_id))
        note = private_note_of(talk=talk, person_id=roles.person_id)
        if note is not None:
            seen.add(note.text)
    access = record_access(roles=roles, talk=talk)
    if access.can_read and access.party:
        seen |= {e.text for e in RecordEntry.objects.filter(record=world.record)}
    seen |= _texts_of_version(agreed_content_for(reader=user, roles=roles, talk=talk))
    return seen


# --- the matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_privacy_matrix(world, reader, role):
    seen = readable_by(world, reader(role))
    expected = {ITEMS[item] for item, roles in MAY_READ.items() if role in roles}
    assert seen & set(ITEMS.values()) == expected


@pytest.mark.parametrize("role", ROLES)
def test_reads_of_the_agreed_record_by_non_parties_are_audit_logged(world, reader, role):
    user = reader(role)
    before = AuditLogEntry.objects.count()
    version = agreed_content_for(reader=user, roles=get_roles(user), talk=world.talk)
    if role in PARTIES:
        assert version is not None
        assert AuditLogEntry.objects.count() == before
    elif role in LOGGED_READERS:
        assert version is not None
        entry = AuditLogEntry.objects.get()
        assert (entry.actor, entry.subject, entry.what, entry.reason) == (
            user,
            world.employee,
            "talk_record",
            LOGGED_READERS[role],
        )
    else:
        assert version is None
        assert AuditLogEntry.objects.count() == before


def test_every_read_writes_its_own_log_entry(world, reader):
    user = reader("hr_policy_on")
    for _ in range(3):
        agreed_content_for(reader=user, roles=get_roles(user), talk=world.talk, path="/x/")
    assert AuditLogEntry.objects.filter(what="talk_record", path="/x/").count() == 3


@pytest.mark.parametrize("role", ROLES)
def test_record_access_gives_the_working_copy_to_the_parties_only(world, reader, role):
    access = record_access(roles=get_roles(reader(role)), talk=world.talk)
    if role in PARTIES:
        assert (access.can_read, access.party, access.agreed_only) == (True, role, False)
    elif role in LOGGED_READERS:
        assert (access.can_read, access.party, access.agreed_only) == (True, "", True)
        assert access.reason == LOGGED_READERS[role]
    else:
        assert access.can_read is False
        assert access.party == ""


def test_the_agreed_record_is_the_agreed_version_not_the_working_copy(world, reader):
    user = reader("next_manager")
    version = agreed_content_for(reader=user, roles=get_roles(user), talk=world.talk)
    assert ITEMS["agreed_record"] in _texts_of_version(version)
    assert ITEMS["record_working_copy"] not in _texts_of_version(version)
    assert version == getattr(record_of(world.talk), "agreed_version", None)


def test_the_previous_manager_of_another_talk_is_no_next_manager(world, reader):
    """Once the employee has moved on, a non-party former manager reads nothing; only the
    talk's own manager (a party) keeps access to their talk."""
    other = PersonFactory(unit=world.employee.unit)
    person_set_manager(person=world.employee, manager=other, actor=None)
    talk = Talk.objects.select_related("employee", "unit").get(pk=world.talk.pk)
    former_next = world.next_manager.user
    assert record_access(roles=get_roles(former_next), talk=talk).can_read is False
    assert agreed_content_for(reader=former_next, roles=get_roles(former_next), talk=talk) is None
    assert record_access(roles=get_roles(world.manager.user), talk=talk).party == "manager"


# --- selectors called with someone else's id -------------------------------------------------


PRIVATE = ("unshared_prep", "private_note", "self_evaluation")


@pytest.mark.parametrize("author", ["employee", "manager"])
def test_no_selector_gives_a_private_item_to_anyone_else(world, author, hr, colleague):
    """Whatever person id another reader passes, a private item comes back only under its
    author's own id: through own_answers/private_note_of (the author's) and never through
    shared_answers_for."""
    author_person = getattr(world, author)
    private = {ITEMS[f"{author}_{item}"] for item in PRIVATE}
    others = [
        getattr(world, "manager" if author == "employee" else "employee"),
        world.next_manager,
        hr,
        colleague,
    ]
    for person in others:
        texts = _texts_of_answers(own_answers(talk=world.talk, person_id=person.pk))
        texts |= _texts_of_answers(shared_answers_for(talk=world.talk, person_id=person.pk))
        note = private_note_of(talk=world.talk, person_id=person.pk)
        texts |= {note.text} if note else set()
        assert not texts & private, person
    own = _texts_of_answers(own_answers(talk=world.talk, person_id=author_person.pk))
    own.add(getattr(private_note_of(talk=world.talk, person_id=author_person.pk), "text", ""))
    assert private <= own


def test_shared_answers_never_include_a_self_evaluation(world):
    for person in (world.employee, world.manager):
        answers = shared_answers_for(talk=world.talk, person_id=person.pk)
        assert {a.question.answered_by for a in answers.values()} <= {
            "employee_prep",
            "manager_prep",
        }
        assert len(answers) == 1


def test_a_self_evaluation_marked_shared_is_still_not_given_out(world):
    """Even if a row were marked shared (a bug or a data fix), the selector filters it out."""
    from samtal.talks.models import Answer

    Answer.objects.filter(question__key="how").update(shared_at=timezone.now())
    texts = _texts_of_answers(shared_answers_for(talk=world.talk, person_id=world.manager.pk))
    assert ITEMS["employee_self_evaluation"] not in texts
    texts = _texts_of_answers(shared_answers_for(talk=world.talk, person_id=world.employee.pk))
    assert ITEMS["manager_self_evaluation"] not in texts


def test_shared_answers_are_empty_for_a_non_party(world, hr, colleague):
    for person in (world.next_manager, hr, colleague):
        assert shared_answers_for(talk=world.talk, person_id=person.pk) == {}


def test_unsharing_makes_an_answer_private_again(employee, manager):
    talk = booked_talk(employee)
    _answer(talk, employee, "tasks", "Mine")
    answers_share(talk=talk, actor=employee.user)
    assert _texts_of_answers(shared_answers_for(talk=talk, person_id=manager.pk)) == {"Mine"}
    answer_unshare(talk=talk, actor=employee.user, question=_q(talk, "tasks"))
    assert shared_answers_for(talk=talk, person_id=manager.pk) == {}


# --- the services refuse every non-party ------------------------------------------------------


NON_PARTIES = [r for r in ROLES if r not in PARTIES]


@pytest.mark.parametrize("role", NON_PARTIES)
def test_no_non_party_writes_shares_or_agrees(world, reader, role):
    user = reader(role)
    talk, record = world.talk, world.record
    attempts = [
        lambda: answer_save(
            talk=talk, actor=user, question=_q(talk, "how"), text="x", value=True, revision=0
        ),
        lambda: answer_save(
            talk=talk, actor=user, question=_q(talk, "tasks"), text="x", value=None, revision=1
        ),
        lambda: answers_share(talk=talk, actor=user),
        lambda: answer_unshare(talk=talk, actor=user, question=_q(talk, "tasks")),
        lambda: private_note_save(talk=talk, actor=user, text="x", revision=0),
        lambda: rec.record_comment_add(record=record, actor=user, text="x"),
        lambda: rec.record_entry_save(
            record=record,
            actor=user,
            question=_q(talk, "workload"),
            text="x",
            value=None,
            revision=2,
        ),
        lambda: rec.record_agree(record=record, actor=user, version_number=1, hash_="x"),
        lambda: rec.record_correct(record=record, actor=user, revision=record.revision),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()


# --- source guard: every read of an answer or private note filters on its author --------------


def _model_reads(source: str, model: str) -> list[tuple[str, set[str]]]:
    """(enclosing function, keyword names used anywhere in the call chain) for every
    `<model>.objects...` chain in the source."""
    tree = ast.parse(source)
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    reads = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Attribute)
            and node.attr == "objects"
            and isinstance(node.value, ast.Name)
            and node.value.id == model
        ):
            continue
        keywords: set[str] = set()
        current: ast.AST = node
        while True:
            parent = parents.get(current)
            if isinstance(parent, ast.Call) and parent.func is current:
                keywords |= {k.arg for k in parent.keywords if k.arg}
            elif not (isinstance(parent, ast.Attribute) and parent.value is current):
                break
            current = parent
        function = parents.get(current)
        while function is not None and not isinstance(function, ast.FunctionDef):
            function = parents.get(function)
        reads.append((function.name if function else "<module>", keywords))
    return reads


def test_content_selectors_read_answers_and_notes_only_by_author():
    source = inspect.getsource(content_selectors)
    answer_reads = _model_reads(source, "Answer")
    note_reads = _model_reads(source, "PrivateNote")
    assert answer_reads, "the guard found no reads: the test no longer sees the source"
    assert note_reads
    for function, keywords in answer_reads + note_reads:
        assert keywords & {"author", "author_id"}, f"{function} reads without an author filter"
    # A private note is read by its author's own id and nothing else.
    assert [f for f, _k in note_reads] == ["private_note_of"]
    assert "person_id" in inspect.signature(content_selectors.private_note_of).parameters
    # No read through the reverse relation either (talk.answers returns every author's rows).
    assert ".answers." not in source


def test_private_notes_are_read_by_author_everywhere():
    """Private notes are never aggregated: any query on them anywhere in the code must
    filter on the author."""
    import pathlib

    import samtal

    root = pathlib.Path(samtal.__file__).parent
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        if "PrivateNote" not in source:
            continue
        for function, keywords in _model_reads(source, "PrivateNote"):
            assert keywords & {"author", "author_id"}, f"{path}:{function}"
