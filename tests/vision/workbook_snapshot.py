"""bench.snapshot with the vision imported from a workbook instead of loaded from the fixtures.

    python -m tests.vision.workbook_snapshot OUT_DIR WORKBOOK.xlsx

Exactly ``python -m bench.snapshot OUT_DIR`` (same fresh database, same synthetic figures,
same pages and files), except that the database gets its vision from
``manage.py import_vision WORKBOOK.xlsx`` and ``bench.synthetic.generate`` then skips its
own ``load_vision``. Comparing its output with bench.snapshot's (``diff -r``) shows whether
a workbook round trip changes anything the public sees. Used by tests/vision/test_workbook.py.
"""

import functools
import sys


def main() -> int:
    out, workbook = sys.argv[1], sys.argv[2]
    from bench import snapshot, synthetic

    generate = synthetic.generate

    def from_workbook(**kwargs):
        from django.core.management import call_command

        call_command("import_vision", workbook, verbosity=0)
        return generate(**kwargs, load=False)

    synthetic.generate = functools.wraps(generate)(from_workbook)
    sys.argv = [sys.argv[0], out]
    return snapshot.main()


if __name__ == "__main__":
    sys.exit(main())
