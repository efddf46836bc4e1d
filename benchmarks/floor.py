"""The floor of each key page: a bare Django view that returns a comparable amount of data
with one hand-written SQL query and no template, session or permission work.

`bench.py` serves these beside the project's own URLs (`ROOT_URLCONF = "floor"`) and times
them in the same run as the pages, so a page's time can be read against what the same
machine needs at the least to fetch and send that data.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.utils.html import escape

FLOOR_SQL: dict[str, str] = {
    # The employee's talks over the years (the start page lists the open and past talks).
    "home": """
        SELECT t.id, t.status, t.starts_at, r.name, r.year, m.first_name, m.last_name
        FROM talks_talk t
        LEFT JOIN talks_round r ON r.id = t.round_id
        JOIN organisation_person m ON m.id = t.manager_id
        WHERE t.employee_id = %(person)s
        ORDER BY t.created_at DESC
    """,
    # One talk with the answers its reader may see.
    "talk": """
        SELECT t.id, t.status, t.starts_at, t.place, e.first_name, e.last_name,
               a.question_id, a.text, a.value
        FROM talks_talk t
        JOIN organisation_person e ON e.id = t.employee_id
        LEFT JOIN talks_answer a ON a.talk_id = t.id
            AND (a.author_id = %(person)s OR a.shared_at IS NOT NULL)
        WHERE t.id = %(talk)s
    """,
    # The record: its entries and the agreed version's content.
    "record": """
        SELECT r.state, v.content, e.question_id, e.text, e.value
        FROM talks_record r
        LEFT JOIN talks_recordversion v ON v.id = r.agreed_version_id
        LEFT JOIN talks_recordentry e ON e.record_id = r.id
        WHERE r.talk_id = %(talk)s
    """,
    # The manager's reports and their talk in the round.
    "team": """
        SELECT p.id, p.first_name, p.last_name, t.id, t.status, t.starts_at
        FROM organisation_person p
        LEFT JOIN talks_talk t ON t.employee_id = p.id AND t.round_id = %(round)s
        WHERE p.manager_id = %(person)s AND p.is_active
        ORDER BY p.last_name, p.first_name
    """,
    # Coverage of the round per top-level unit (its whole subtree) and status.
    "coverage": """
        SELECT c.id, c.name_sv, t.status, count(*)
        FROM organisation_unit c
        JOIN organisation_unit u ON u.path LIKE c.path || '%%'
        JOIN talks_talk t ON t.unit_id = u.id AND t.round_id = %(round)s
        WHERE c.parent_id = %(root)s
        GROUP BY c.id, c.name_sv, t.status
    """,
    # Planned development activities of the year per top-level unit and type.
    "competence": """
        SELECT c.id, a.activity_type, count(DISTINCT d.person_id), sum(a.hours), sum(a.cost)
        FROM plans_planactivity a
        JOIN plans_developmentplan d ON d.id = a.plan_id
        JOIN organisation_person p ON p.id = d.person_id
        JOIN organisation_unit u ON u.id = p.unit_id
        JOIN organisation_unit c ON u.path LIKE c.path || '%%' AND c.parent_id = %(root)s
        WHERE a.agreed_at IS NOT NULL
          AND a.starts_on BETWEEN make_date(%(year)s, 1, 1) AND make_date(%(year)s, 12, 31)
        GROUP BY c.id, a.activity_type
    """,
    # The year's observations of a unit's subtree, people per category and severity.
    "workenv": """
        SELECT o.category, o.severity, count(DISTINCT t.employee_id)
        FROM workenv_observation o
        JOIN organisation_unit u ON u.id = o.unit_id
        LEFT JOIN talks_talk t ON t.id = o.talk_id
        WHERE u.path LIKE (SELECT path FROM organisation_unit WHERE id = %(unit)s) || '%%'
          AND o.observed_on BETWEEN make_date(%(year)s, 1, 1) AND make_date(%(year)s, 12, 31)
          AND o.withdrawn_at IS NULL
        GROUP BY o.category, o.severity
    """,
    # The annual follow-up's tables: observations and actions of the year, per category.
    "annual": """
        SELECT 'observation', o.category, o.severity, count(DISTINCT t.employee_id)
        FROM workenv_observation o
        JOIN organisation_unit u ON u.id = o.unit_id
        LEFT JOIN talks_talk t ON t.id = o.talk_id
        WHERE u.path LIKE (SELECT path FROM organisation_unit WHERE id = %(unit)s) || '%%'
          AND o.observed_on BETWEEN make_date(%(year)s, 1, 1) AND make_date(%(year)s, 12, 31)
        GROUP BY o.category, o.severity
        UNION ALL
        SELECT 'action', o.category, a.status, count(DISTINCT t.employee_id)
        FROM workenv_action a
        JOIN workenv_observation o ON o.id = a.observation_id
        JOIN organisation_unit u ON u.id = a.unit_id
        LEFT JOIN talks_talk t ON t.id = o.talk_id
        WHERE u.path LIKE (SELECT path FROM organisation_unit WHERE id = %(unit)s) || '%%'
          AND o.observed_on BETWEEN make_date(%(year)s, 1, 1) AND make_date(%(year)s, 12, 31)
        GROUP BY o.category, a.status
    """,
}


@login_not_required  # no session or user: the floor is the query and the response
def floor_view(request: HttpRequest, name: str) -> HttpResponse:
    params: dict[str, Any] = {key: int(request.GET[key]) for key in request.GET}
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL[name], params)
        rows = cursor.fetchall()
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(value)}</td>" for value in row) + "</tr>" for row in rows
    )
    response = HttpResponse(f"<!doctype html><title>{name}</title><table>{body}</table>")
    response["X-Floor-Rows"] = str(len(rows))  # bench.py checks that the floor found data
    return response


urlpatterns = [
    path("_floor/<str:name>/", floor_view, name="bench_floor"),
    path("", include("config.urls")),
]
