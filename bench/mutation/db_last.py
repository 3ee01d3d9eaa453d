"""pytest plugin for the mutation runs only: tests without the database run first.

pytest-django puts every database test before the others. mutmut stops a mutant's tests
at the first failure (-x) and hands them over fastest first, so a mutant that a pure test
kills would still wait 10-15 s for the test database with the loaded vision. Sorting the
tests that need no database to the front (the sort is stable: pytest-django's order among
the database tests stands) lets those mutants die in well under a second.

bench/mutation/run.py copies this file into each group's folder as ``mutation_db_last.py``
and loads it with ``-p mutation_db_last``; ``make test`` never loads it.
"""

import pytest

DATABASE_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server"}


def uses_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db") is not None:
        return True
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=uses_database)
