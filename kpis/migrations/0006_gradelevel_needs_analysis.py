from django.db import migrations, models


def mark_behind(apps, schema_editor):
    """△ やや遅れ and × 遅れ (the default levels C and D) ask for a 要因分析."""
    GradeLevel = apps.get_model("kpis", "GradeLevel")
    GradeLevel.objects.filter(code__in=["C", "D"]).update(needs_analysis=True)


class Migration(migrations.Migration):
    dependencies = [("kpis", "0005_plausible_change_help")]

    operations = [
        migrations.AddField(
            model_name="gradelevel",
            name="needs_analysis",
            field=models.BooleanField(
                default=False,
                help_text="この評価の指標には、年度の評価で要因分析と改善策を求めます（△・×など）。",
                verbose_name="要因分析が必要",
            ),
        ),
        migrations.RunPython(mark_behind, migrations.RunPython.noop),
    ]
