"""Setting municipality foreign keys from the municipalities a page has already loaded."""

from municipalities.models import Municipality


def with_towns(rows, towns: dict, *fields: str) -> list:
    """The rows (a queryset or list) with their municipality foreign keys set from ``towns``.

    ``towns`` maps primary keys to municipalities the page has loaded anyway (the
    vision's eight): setting them here saves a joined copy of a municipality on every
    row. A municipality outside ``towns`` is fetched, one query for all of them.
    """
    rows = list(rows)
    towns = with_missing(towns, {getattr(row, f"{name}_id") for row in rows for name in fields})
    for row in rows:
        for name in fields:
            pk = getattr(row, f"{name}_id")
            if pk is not None:
                setattr(row, name, towns[pk])
    return rows


def with_missing(towns: dict | None, wanted) -> dict:
    """``towns`` (primary key → municipality) with every key of ``wanted`` in it: those
    it lacks are fetched, one query for all of them (none when it has them all)."""
    towns = dict(towns or {})
    missing = set(wanted) - towns.keys() - {None}
    if missing:
        towns.update(Municipality.objects.in_bulk(missing))
    return towns
