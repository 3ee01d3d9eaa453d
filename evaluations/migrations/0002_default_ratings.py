from django.db import migrations

DEFAULTS = [
    ("A", "順調", "On track", 1),
    ("B", "概ね順調", "Mostly on track", 2),
    ("C", "課題あり", "Issues found", 3),
    ("D", "見直しが必要", "Needs review", 4),
]


def create_defaults(apps, schema_editor):
    EvaluationRating = apps.get_model("evaluations", "EvaluationRating")
    if EvaluationRating.objects.exists():
        return
    for code, label, label_en, order in DEFAULTS:
        EvaluationRating.objects.create(code=code, label=label, label_en=label_en, order=order)


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
