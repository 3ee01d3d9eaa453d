"""Public pages of plan revisions: the list, one revision, and two revisions side by side.

A revision of the vision is a public decision, so these pages are public. The
comparison (``revisions.services.compare``) lists, subject by subject, what differs
between the plan as of two revisions (当初 = the plan as first published).
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from evaluations.models import Direction, Opinion, ProgramEvaluation
from revisions.services import DiffCategory, compare, revisions_of
from vision.models import PlanRevision
from vision.selectors import current_vision

ORIGINAL = "0"


def _choices(revisions) -> list[tuple[str, str]]:
    return [(ORIGINAL, "当初（変更前）")] + [
        (
            str(r.pk),
            f"{r.title}（{r.decided_on.year}年{r.decided_on.month}月{r.decided_on.day}日決定）",
        )
        for r in revisions
    ]


def index(request):
    vision = current_vision()
    revisions = revisions_of(vision)
    for revision in revisions:
        revision.change_count = revision.changes.count()
    return render(
        request,
        "revisions/index.html",
        {
            "vision": vision,
            "revisions": revisions,
            "choices": _choices(revisions),
            "default_a": ORIGINAL,
            "default_b": str(revisions[-1].pk) if revisions else ORIGINAL,
        },
    )


def _pick(vision, value: str | None, revisions) -> PlanRevision | None:
    if value in (None, "", ORIGINAL):
        return None
    by_pk = {str(r.pk): r for r in revisions}
    if value not in by_pk:
        raise Http404("その変更はありません。")
    return by_pk[value]


def compare_view(request):
    vision = current_vision()
    revisions = revisions_of(vision)
    older = _pick(vision, request.GET.get("a"), revisions)
    newer = _pick(
        vision, request.GET.get("b", str(revisions[-1].pk) if revisions else None), revisions
    )
    return _render_comparison(request, vision, revisions, older, newer)


def detail(request, pk: int):
    vision = current_vision()
    revisions = revisions_of(vision)
    revision = get_object_or_404(PlanRevision, pk=pk, vision=vision)
    index = [r.pk for r in revisions].index(revision.pk)
    previous = revisions[index - 1] if index > 0 else None
    return _render_comparison(
        request, vision, revisions, previous, revision, revision=revision, origins=origins(revision)
    )


def origins(revision: PlanRevision) -> dict:
    """What led to a revision: the approved program evaluations (their approved 今後の方向性)
    and the published 懇談会 opinions linked to it. Nothing unapproved: a sheet's working
    text and an opinion's unpublished text stay in the database."""
    evaluations = []
    for evaluation in (
        ProgramEvaluation.objects.published()
        .filter(revision=revision)
        .only("pk", "program", "fiscal_year", "approved_content")
        .select_related("program")
        .order_by("fiscal_year", "program__item__number", "program__number")
    ):
        direction = (evaluation.approved_content or {}).get("direction") or ""
        evaluations.append(
            {
                "program": evaluation.program,
                "fiscal_year": evaluation.fiscal_year,
                "direction": dict(Direction.choices).get(direction, direction),
            }
        )
    opinions = list(
        Opinion.objects.published()
        .filter(revision=revision)
        .defer("text", "response")
        .select_related("meeting", "program", "policy_field")
        .order_by("meeting__held_on", "meeting_id", "order")
    )
    return {"evaluations": evaluations, "opinions": opinions}


def _render_comparison(request, vision, revisions, older, newer, *, revision=None, origins=None):
    lines = compare(vision, older, newer)
    groups = [
        {"category": key, "label": label, "lines": [x for x in lines if x.category == key]}
        for key, label in DiffCategory.choices
    ]
    return render(
        request,
        "revisions/compare.html",
        {
            "vision": vision,
            "revision": revision,
            "older": older,
            "newer": newer,
            "older_label": "当初（変更前）" if older is None else older.title,
            "newer_label": "当初（変更前）" if newer is None else newer.title,
            "lines": lines,
            "groups": [g for g in groups if g["lines"]],
            "choices": _choices(revisions),
            "selected_a": ORIGINAL if older is None else str(older.pk),
            "selected_b": ORIGINAL if newer is None else str(newer.pk),
            "origins": origins,
        },
    )
