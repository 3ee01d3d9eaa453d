from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    ("A", "◎", "目標達成", "Target reached", Decimal("100.0"), 1),
    ("B", "○", "順調", "On track", Decimal("80.0"), 2),
    ("C", "△", "やや遅れ", "Slightly behind", Decimal("50.0"), 3),
    ("D", "×", "遅れ", "Behind", None, 4),
]


def create_defaults(apps, schema_editor):
    GradeLevel = apps.get_model("kpis", "GradeLevel")
    if GradeLevel.objects.exists():
        return
    for code, symbol, label, label_en, min_percent, order in DEFAULTS:
        GradeLevel.objects.create(
            code=code, symbol=symbol, label=label, label_en=label_en, min_percent=min_percent, order=order
        )


class Migration(migrations.Migration):
    dependencies = [("kpis", "0002_reporting_and_grades")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
