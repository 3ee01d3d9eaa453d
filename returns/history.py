"""A figure's change history (変更履歴) as officers read it.

django-simple-history keeps one record per save of a figure, with the user and the reason
``returns.services`` gives it. ``entries`` turns those records into what the returns
history page and the admin's history page show: Japanese labels, Japan time
(2026年3月25日 14:05), the workflow's state labels (下書き → 提出済み), values as offices
write them (1,234; 空欄; a 取組状況 as written), and only the fields an officer cares about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from core.formats import jp_date
from core.japanese import format_number
from core.models import FigureStatus

RECORD_KINDS = {"+": "作成", "~": "変更", "-": "削除"}
BLANK = "空欄"


@dataclass(frozen=True)
class Change:
    label: str
    old: str | None  # None: the figure was created with ``new``
    new: str


@dataclass(frozen=True)
class Entry:
    """One save of a figure: when (Japan time), who, what kind, why, and what changed."""

    when: str
    when_iso: str
    who: str
    kind: str
    reason: str
    changes: list[Change]


def jp_datetime(value: datetime) -> str:
    """2026年3月25日 14:05, in Japan time."""
    local = timezone.localtime(value)
    return f"{jp_date(local)} {local.hour}:{local.minute:02d}"


def shown_fields(model) -> list[str]:
    """The fields a change is described by, in the order an officer reads them. Who changed
    it and when are columns of their own; the version is bookkeeping."""
    return [
        model.value_field,
        model.approved_field,
        "status",
        "comment",
        "return_reason",
        "submitted_at",
        "approved_at",
    ]


def entries(records) -> list[Entry]:
    """History records of one figure, newest first, each compared with the one before it
    (the last one of a page with its predecessor, when it has one)."""
    records = list(records)
    if not records:
        return []
    model = records[0].instance_type
    fields = shown_fields(model)
    result = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else record.prev_record
        result.append(
            Entry(
                when=jp_datetime(record.history_date),
                when_iso=timezone.localtime(record.history_date).isoformat(timespec="minutes"),
                who=record.history_user.get_username() if record.history_user else "−",
                kind=RECORD_KINDS.get(record.history_type, record.history_type),
                reason=record.history_change_reason or "",
                changes=_changes(model, fields, record, previous),
            )
        )
    return result


def _changes(model, fields, record, previous) -> list[Change]:
    if previous is None:
        return [
            Change(_label(model, name), None, _shown(model, name, getattr(record, name)))
            for name in fields
            if getattr(record, name) not in (None, "")
        ]
    # Compared field by field (simple-history's diff_against skips fields that are not
    # editable, such as the approved value).
    return [
        Change(
            _label(model, name),
            _shown(model, name, getattr(previous, name)),
            _shown(model, name, getattr(record, name)),
        )
        for name in fields
        if getattr(previous, name) != getattr(record, name)
    ]


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _shown(model, name: str, value) -> str:
    if value is None or value == "":
        return BLANK
    if name == "status":
        return FigureStatus(value).label
    if isinstance(value, datetime):
        return jp_datetime(value)
    if name in (model.value_field, model.approved_field):
        return value if isinstance(value, str) else format_number(value)  # a 取組状況 as written
    return str(value)
