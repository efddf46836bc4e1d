"""Stored XSS and leaks: every stored text of the world carries a numbered script tag and
attribute breakout (world.seed_hostile_text), and every page was fetched as every role
(Prober.crawl). No page may show any of it as markup, nor side B's data to a role scoped to
side A, nor a private text to anyone but its author; and the texts must really be on the pages
(else this would prove nothing about them)."""

from __future__ import annotations

from tests.hostile.probe import STATS, Prober

# Columns people type into that must be shown on some page: if a page stops showing one (or
# the world stops making it), this says so instead of silently testing less.
MUST_BE_SHOWN = frozenset(
    {
        "organisation_unit.name_en",
        "organisation_person.first_name",
        "organisation_person.last_name",
        "talks_talk.place",
        "talks_answer.text",
        "talks_recordentry.text",
        "talks_recordcomment.text",
        "organisation_importrun.file_name",
        "talks_record.passed_on",
        "talks_privatenote.text",
        "talks_round.name",
        "talks_room.name",
        "plans_plangoal.text",
        "plans_planactivity.description",
        "plans_checkpoint.topic",
        "plans_unitgoal.title_en",
        "workenv_observation.description",
        "workenv_action.what",
        "workenv_annualfollowup.summary",
        "workenv_supportcontact.name_en",
        "talk_templates_talktemplate.name_en",
        "talk_templates_section.title_en",
        "talk_templates_question.text_en",
        "talk_templates_question.choices",
        "core_historyentry.changes",
    }
)


def test_no_page_shows_stored_text_as_markup(probe: Prober) -> None:
    assert probe.crawled, "the crawl fetched no page"
    pages = sum(1 for status, _location in probe.crawled.values() if status == 200)
    assert pages > 100, f"only {pages} pages rendered: the world or the roles are wrong"
    assert not probe.crawl_failures, "\n".join(probe.crawl_failures)


def test_private_texts_and_the_other_side_are_seen_only_by_who_may(probe: Prober) -> None:
    """The crawl found no page showing a private text or side B's data to a role that may not
    see it (test above); here: each mark is on some page for a role that may see it, so the
    check is not empty."""
    for mark, allowed in probe.marks.items():
        if allowed:
            assert {role for m, role in probe.marks_seen if m == mark} & allowed, mark


def test_the_hostile_texts_are_on_the_pages(probe: Prober) -> None:
    columns = probe.world.hostile_columns
    shown = {columns[tag] for tag in probe.shown if tag in columns}
    STATS.columns_seeded, STATS.columns_shown = len(columns), len(shown)
    missing = sorted(MUST_BE_SHOWN - shown)
    assert not missing, f"no page shows these seeded columns (escaped or not): {missing}"
    assert len(shown) >= len(MUST_BE_SHOWN)
