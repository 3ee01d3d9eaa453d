"""A test that measures the 100× data (tests/perf/scale.py builds it) is slow: it is marked
here, by what its module uses rather than by each file's own marks, so no such test can
miss it. `make test` runs it; `pytest -m "not slow"` leaves it out."""

import pytest

from tests.perf import scale


def pytest_collection_modifyitems(config, items):
    for item in items:
        if getattr(getattr(item, "module", None), "measure_scales", None) is scale.measure_scales:
            item.add_marker(pytest.mark.slow)
