import csv
import io

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render

from vision.models import Vision
from vision.opendata import DATASETS


def _current_vision() -> Vision:
    vision = Vision.objects.current()
    if vision is None:
        raise Http404("ビジョンがまだ登録されていません。")
    return vision


def home(request):
    vision = Vision.objects.current()
    return render(request, "vision/home.html", {"vision": vision})


def opendata_index(request):
    return render(
        request,
        "vision/opendata.html",
        {"datasets": DATASETS.values(), "vision": Vision.objects.current()},
    )


def opendata_json(request, name):
    dataset = DATASETS.get(name)
    if dataset is None:
        raise Http404("そのデータセットはありません。")
    return JsonResponse(
        dataset.json(_current_vision()), safe=False, json_dumps_params={"ensure_ascii": False}
    )


def opendata_csv(request, name):
    dataset = DATASETS.get(name)
    if dataset is None:
        raise Http404("そのデータセットはありません。")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(dataset.csv(_current_vision()))
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{dataset.name}.csv"'
    return response
