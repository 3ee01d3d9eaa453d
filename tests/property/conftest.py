"""Hypothesis settings: no example database in the work tree, and no deadline
(a timing limit would make the suite depend on the machine's speed)."""

import os

from hypothesis import settings

settings.register_profile("mogami", database=None, deadline=None, max_examples=300)
settings.register_profile("ci", parent=settings.get_profile("mogami"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "mogami")
