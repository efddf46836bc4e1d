"""The lost-write check of the load test: a log of acknowledged writes, and its verifier.

During the run every locust user appends one JSON line per write the server acknowledged
(a 2xx/3xx answer that says it was saved: the autosave's "saved" state with the new revision,
or a redirect to a page without an error message). A write the server did not acknowledge is
logged too, with "ack": false. After the run `verify` reads the database and checks each
acknowledged write:

- an answer, a private note, a record entry and "what may be passed on" carry a revision: the
  last acknowledged write of each object must be what the database holds (text, value and
  revision), and the acknowledged revisions of one object must rise strictly (two
  acknowledged saves that got the same revision would mean one silently replaced the other);
  an earlier write counts as verified when a later acknowledged write of the same object
  superseded it;
- a shared answer must be shared, an accepted time accepted in the talk's history, a talk
  marked held held, a sent version present with the entries written before it, an agreement
  present (voided only by a later acknowledged change of the record), a correction in the
  history, a comment and a checkpoint present.

It also checks that no write was left half done: a held talk without a record, an agreed
record without both agreements to its agreed version, a version whose hash does not match its
content. The log format needs only the standard library; `verify` imports Django's models.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

# Writes that carry a revision: the key fields of the object and the fields written.
VERSIONED = {
    "answer": ("talk", "question", "author"),
    "note": ("talk", "author"),
    "entry": ("talk", "question"),
    "passed_on": ("talk",),
}
KINDS = (
    "answer",
    "share",
    "note",
    "accept",
    "held",
    "entry",
    "passed_on",
    "send",
    "agree",
    "correct",
    "comment",
    "checkpoint",
)


class AckLog:
    """Appends one JSON line per write; safe to share between the users of one process."""

    def __init__(self, path: Path) -> None:
        self._out: TextIO = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()
        self._seq = itertools.count(1)

    def write(self, kind: str, *, ack: bool = True, **fields: Any) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown write kind {kind!r}")
        with self._lock:
            line = {"seq": next(self._seq), "t": round(time.time(), 3), "kind": kind, "ack": ack}
            line.update(fields)
            self._out.write(json.dumps(line, ensure_ascii=False) + "\n")
            self._out.flush()

    def close(self) -> None:
        self._out.close()


def read_log(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@dataclass
class KindResult:
    acknowledged: int = 0
    verified: int = 0
    lost: int = 0
    unacknowledged: int = 0  # writes the server did not acknowledge (failed requests)


@dataclass
class VerifyResult:
    kinds: dict[str, KindResult] = field(default_factory=lambda: defaultdict(KindResult))
    problems: list[str] = field(default_factory=list)  # what was lost, first ones
    applied_unacknowledged: int = 0  # the database holds more than was acknowledged
    partial: list[str] = field(default_factory=list)  # half-done writes found in the database

    @property
    def acknowledged(self) -> int:
        return sum(k.acknowledged for k in self.kinds.values())

    @property
    def verified(self) -> int:
        return sum(k.verified for k in self.kinds.values())

    @property
    def lost(self) -> int:
        return sum(k.lost for k in self.kinds.values())

    @property
    def ok(self) -> bool:
        return self.lost == 0 and not self.partial

    def lose(self, kind: str, what: str) -> None:
        self.kinds[kind].lost += 1
        if len(self.problems) < 50:
            self.problems.append(f"{kind}: {what}")

    def table(self) -> list[str]:
        lines = [
            "| write | acknowledged | verified | lost | not acknowledged |",
            "|---|---:|---:|---:|---:|",
        ]
        for kind in KINDS:
            k = self.kinds.get(kind)
            if k is None:
                continue
            lines.append(
                f"| {kind} | {k.acknowledged} | {k.verified} | {k.lost} | {k.unacknowledged} |"
            )
        lines.append(
            f"| **all** | **{self.acknowledged}** | **{self.verified}** | **{self.lost}** | "
            f"{sum(k.unacknowledged for k in self.kinds.values())} |"
        )
        return lines


# --- the verifier ------------------------------------------------------------------------------


def verify(entries: Iterable[dict[str, Any]], *, talk_ids: Iterable[int] = ()) -> VerifyResult:
    """Check every acknowledged write against the database (Django must be set up).
    `talk_ids`: the talks of the run, checked for half-done writes (default: those logged)."""
    result = VerifyResult()
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in sorted(entries, key=lambda e: e["seq"]):
        if entry.get("ack", True):
            result.kinds[entry["kind"]].acknowledged += 1
            by_kind[entry["kind"]].append(entry)
        else:
            result.kinds[entry["kind"]].unacknowledged += 1
    for kind, keys in VERSIONED.items():
        _verify_versioned(result, kind, keys, by_kind.get(kind, []))
    _verify_shares(result, by_kind.get("share", []))
    _verify_history(result, "accept", "talk_accepted", by_kind.get("accept", []))
    _verify_history(result, "correct", "record_correction_started", by_kind.get("correct", []))
    _verify_held(result, by_kind.get("held", []))
    _verify_sends(result, by_kind.get("send", []))
    _verify_agreements(result, by_kind.get("agree", []), by_kind)
    _verify_comments(result, by_kind.get("comment", []))
    _verify_checkpoints(result, by_kind.get("checkpoint", []))
    talks = set(talk_ids) | {e["talk"] for e in itertools.chain(*by_kind.values()) if "talk" in e}
    result.partial = half_done_writes(talks)
    return result


def _versioned_rows(kind: str, keys: set[tuple[int, ...]]) -> dict[tuple[int, ...], Any]:
    """The current (text, value, revision) of each object, by key."""
    from samtal.talks.models import Answer, PrivateNote, Record, RecordEntry

    if not keys:
        return {}
    talks = {k[0] for k in keys}
    rows: dict[tuple[int, ...], Any] = {}
    if kind == "answer":
        for a in Answer.objects.filter(talk_id__in=talks):
            rows[(a.talk_id, a.question_id, a.author_id)] = (a.text, a.value, a.revision)
    elif kind == "note":
        for n in PrivateNote.objects.filter(talk_id__in=talks):
            rows[(n.talk_id, n.author_id)] = (n.text, None, n.revision)
    elif kind == "entry":
        for e in RecordEntry.objects.filter(record__talk_id__in=talks).select_related("record"):
            rows[(e.record.talk_id, e.question_id)] = (e.text, e.value, e.revision)
    elif kind == "passed_on":
        for r in Record.objects.filter(talk_id__in=talks):
            rows[(r.talk_id,)] = (r.passed_on, None, r.passed_on_revision)
    return rows


def _verify_versioned(
    result: VerifyResult, kind: str, key_fields: tuple[str, ...], writes: list[dict[str, Any]]
) -> None:
    grouped: dict[tuple[int, ...], list[dict[str, Any]]] = defaultdict(list)
    for w in writes:
        grouped[tuple(w[f] for f in key_fields)].append(w)
    current = _versioned_rows(kind, set(grouped))
    for key, chain in grouped.items():
        # Earlier writes: superseded by the next acknowledged one, which must have been
        # given a higher revision (the same revision twice is a silent overwrite), unless it
        # saved the very same content (the services then change nothing).
        for before, after in itertools.pairwise(chain):
            unchanged = (before["text"], before.get("value")) == (after["text"], after.get("value"))
            if after["revision"] > before["revision"] or (
                unchanged and after["revision"] == before["revision"]
            ):
                result.kinds[kind].verified += 1
            else:
                result.lose(
                    kind,
                    f"{key}: revision {before['revision']} acknowledged, then "
                    f"{after['revision']} for a later write",
                )
        last = chain[-1]
        row = current.get(key)
        if row is None:
            result.lose(kind, f"{key}: not in the database (revision {last['revision']})")
            continue
        text, value, revision = row
        if revision > last["revision"]:
            # Someone wrote after the last acknowledged write: only a write the client did
            # not see acknowledged can do that in this test (each object has one writer).
            result.applied_unacknowledged += 1
            result.kinds[kind].verified += 1
        elif revision == last["revision"] and text == last["text"] and value == last.get("value"):
            result.kinds[kind].verified += 1
        else:
            result.lose(
                kind,
                f"{key}: acknowledged revision {last['revision']} {last['text'][:40]!r}, "
                f"database has revision {revision} {text[:40]!r}",
            )


def _verify_shares(result: VerifyResult, writes: list[dict[str, Any]]) -> None:
    from samtal.talks.models import Answer

    if not writes:
        return
    shared = set(
        Answer.objects.filter(
            talk_id__in={w["talk"] for w in writes}, shared_at__isnull=False
        ).values_list("talk_id", "question_id", "author_id")
    )
    for w in writes:
        key = (w["talk"], w["question"], w["author"])
        if key in shared:
            result.kinds["share"].verified += 1
        else:
            result.lose("share", f"{key}: not shared")


def _history_counts(action: str, talks: set[int]) -> dict[int, int]:
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count

    from samtal.core.models import HistoryEntry
    from samtal.talks.models import Talk

    rows = (
        HistoryEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Talk),
            object_id__in=[str(t) for t in talks],
            action=action,
        )
        .values("object_id")
        .annotate(n=Count("id"))
    )
    return {int(r["object_id"]): r["n"] for r in rows}


def _verify_history(
    result: VerifyResult, kind: str, action: str, writes: list[dict[str, Any]]
) -> None:
    """Each acknowledged step must have its own row in the talk's history."""
    per_talk: dict[int, int] = defaultdict(int)
    for w in writes:
        per_talk[w["talk"]] += 1
    counts = _history_counts(action, set(per_talk))
    for talk, acked in per_talk.items():
        found = counts.get(talk, 0)
        result.kinds[kind].verified += min(found, acked)
        for _missing in range(acked - found):
            result.lose(kind, f"talk {talk}: {acked} acknowledged, {found} in the history")
        if found > acked:
            result.applied_unacknowledged += found - acked


def _verify_held(result: VerifyResult, writes: list[dict[str, Any]]) -> None:
    from samtal.talks.models import Record, Talk, TalkStatus

    if not writes:
        return
    talks = {w["talk"] for w in writes}
    held = set(
        Talk.objects.filter(
            pk__in=talks,
            status__in=(TalkStatus.HELD, TalkStatus.AGREED),
            held_at__isnull=False,
        ).values_list("pk", flat=True)
    )
    with_record = set(Record.objects.filter(talk_id__in=talks).values_list("talk_id", flat=True))
    for w in writes:
        if w["talk"] in held and w["talk"] in with_record:
            result.kinds["held"].verified += 1
        else:
            result.lose("held", f"talk {w['talk']}: not held with a record")


def _verify_sends(result: VerifyResult, writes: list[dict[str, Any]]) -> None:
    from samtal.talk_templates.models import Question
    from samtal.talks.models import RecordVersion

    if not writes:
        return
    # The log names questions by id (as the forms post them), a version's content by key.
    question_ids = {int(q) for w in writes for q in w.get("entries", {})}
    keys = dict(Question.objects.filter(pk__in=question_ids).values_list("pk", "key"))
    versions = {
        (v.record.talk_id, v.number): v
        for v in RecordVersion.objects.filter(
            record__talk_id__in={w["talk"] for w in writes}
        ).select_related("record")
    }
    for w in writes:
        version = versions.get((w["talk"], w["version"]))
        if version is None:
            result.lose("send", f"talk {w['talk']}: version {w['version']} missing")
            continue
        answers = {
            q.get("key"): q.get("answer", "")
            for s in version.content.get("sections", [])
            for q in s.get("questions", [])
        }
        wrong = [
            q for q, text in w.get("entries", {}).items() if answers.get(keys.get(int(q))) != text
        ]
        if version.content.get("passed_on", "") != w.get("passed_on", ""):
            wrong.append("passed_on")
        if wrong:
            result.lose(
                "send",
                f"talk {w['talk']} version {w['version']}: written text missing for {wrong[:3]}",
            )
        else:
            result.kinds["send"].verified += 1


def _verify_agreements(
    result: VerifyResult,
    writes: list[dict[str, Any]],
    by_kind: dict[str, list[dict[str, Any]]],
) -> None:
    from samtal.talks.models import Agreement

    if not writes:
        return
    talks = {w["talk"] for w in writes}
    found = {
        (a.version.record.talk_id, a.version.number, a.party): a
        for a in Agreement.objects.filter(version__record__talk_id__in=talks).select_related(
            "version__record"
        )
    }
    # A change of the record while a version waits for agreement voids its agreements.
    changes: dict[int, list[int]] = defaultdict(list)
    for kind in ("entry", "passed_on", "checkpoint"):
        for w in by_kind.get(kind, []):
            if "talk" in w:
                changes[w["talk"]].append(w["seq"])
    for w in writes:
        agreement = found.get((w["talk"], w["version"], w["party"]))
        if agreement is None:
            result.lose("agree", f"talk {w['talk']} v{w['version']} {w['party']}: missing")
        elif agreement.voided_at is not None and not any(
            seq > w["seq"] for seq in changes[w["talk"]]
        ):
            result.lose("agree", f"talk {w['talk']} v{w['version']} {w['party']}: voided")
        else:
            result.kinds["agree"].verified += 1


def _verify_comments(result: VerifyResult, writes: list[dict[str, Any]]) -> None:
    from samtal.talks.models import RecordComment

    if not writes:
        return
    found = set(
        RecordComment.objects.filter(record__talk_id__in={w["talk"] for w in writes}).values_list(
            "record__talk_id", "author_id", "text"
        )
    )
    for w in writes:
        if (w["talk"], w["author"], w["text"]) in found:
            result.kinds["comment"].verified += 1
        else:
            result.lose("comment", f"talk {w['talk']}: {w['text'][:40]!r} missing")


def _verify_checkpoints(result: VerifyResult, writes: list[dict[str, Any]]) -> None:
    from samtal.plans.models import Checkpoint

    if not writes:
        return
    found = {
        (person, topic, due.isoformat())
        for person, topic, due in Checkpoint.objects.filter(
            plan__person_id__in={w["person"] for w in writes}
        ).values_list("plan__person_id", "topic", "due_on")
    }
    for w in writes:
        if (w["person"], w["topic"], w["due_on"]) in found:
            result.kinds["checkpoint"].verified += 1
        else:
            result.lose("checkpoint", f"person {w['person']}: {w['topic'][:40]!r} missing")


def half_done_writes(talk_ids: Iterable[int]) -> list[str]:
    """Talks and records of `talk_ids` left in a state no complete write produces."""
    from samtal.talks.models import Agreement, Party, Record, RecordVersion, Talk, TalkStatus
    from samtal.talks.record import content_hash

    ids = set(talk_ids)
    problems: list[str] = []
    if not ids:
        return problems
    records = {r.talk_id: r for r in Record.objects.filter(talk_id__in=ids)}
    for talk in Talk.objects.filter(pk__in=ids, status__in=(TalkStatus.HELD, TalkStatus.AGREED)):
        if talk.pk not in records or talk.held_at is None:
            problems.append(f"talk {talk.pk} is {talk.status} without a record or held time")
    agreements: dict[int, list[Agreement]] = defaultdict(list)
    for a in Agreement.objects.filter(version__record__talk_id__in=ids):
        agreements[a.version_id].append(a)
    versions = {v.pk: v for v in RecordVersion.objects.filter(record__talk_id__in=ids)}
    statuses = dict(Talk.objects.filter(pk__in=ids).values_list("pk", "status"))
    for talk_id, record in records.items():
        if record.state == Record.State.AGREED:
            version = versions.get(record.agreed_version_id or 0)
            parties = {
                a.party
                for a in agreements.get(record.agreed_version_id or 0, [])
                if a.voided_at is None
            }
            if version is None or parties != {Party.EMPLOYEE, Party.MANAGER}:
                problems.append(f"record of talk {talk_id} agreed without both agreements")
            if statuses.get(talk_id) != TalkStatus.AGREED:
                problems.append(f"record of talk {talk_id} agreed, talk {statuses.get(talk_id)}")
        elif record.state == Record.State.SENT:
            version = versions.get(record.current_version_id or 0)
            if version is None or version.voided_at is not None:
                problems.append(f"record of talk {talk_id} sent without a valid version")
    for version in versions.values():
        if content_hash(version.content) != version.content_hash:
            problems.append(f"version {version.pk}: content does not match its hash")
        for a in agreements.get(version.pk, []):
            if a.content_hash != version.content_hash:
                problems.append(f"agreement {a.pk}: hash differs from its version")
    return problems
