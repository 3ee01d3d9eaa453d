from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    """The yearly evaluation (進行管理): each program's sheet (事業評価) with the towns'
    取組状況, the KPIs' 要因分析, evidence files, and the 懇談会's opinions."""

    name = "evaluations"
    verbose_name = "年度の評価"
