from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from samtal.core.models import HistoryEntry, OrgPolicy

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("org_policy", *args, stdout=out)
    return out.getvalue()


def test_shows_and_changes_whether_hr_may_read_records():
    assert "HR may read agreed talk records: no" in run()
    assert "HR may read agreed talk records: yes" in run("--hr-may-read-records", "yes")
    assert OrgPolicy.current().hr_may_read_records
    assert HistoryEntry.objects.filter(action="policy_changed").count() == 1
    run("--hr-may-read-records", "yes")  # unchanged: no second history row
    assert HistoryEntry.objects.filter(action="policy_changed").count() == 1
    run("--hr-may-read-records", "no")
    assert not OrgPolicy.current().hr_may_read_records


def test_refuses_an_unclear_answer():
    with pytest.raises(CommandError):
        run("--hr-may-read-records", "maybe")
    assert not OrgPolicy.current().hr_may_read_records
