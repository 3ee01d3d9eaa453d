"""Every open-data dataset of every vision, as plain JSON: what a restore must give back.

Run as a module to print the snapshot of the database in DATABASE_URL:
    python -m tests.deploy.datasets
"""

import json


def snapshot() -> dict:
    from public.opendata import DATASETS
    from vision.models import Vision

    data = {}
    for vision in Vision.objects.order_by("slug"):
        for name, dataset in DATASETS.items():
            data[f"{vision.slug}/{name}.json"] = dataset.json(vision)
            data[f"{vision.slug}/{name}.csv"] = list(dataset.csv(vision))
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(snapshot(), ensure_ascii=False))
