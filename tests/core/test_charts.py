"""core.charts: inline SVG, labelled, with the table it was drawn from."""

from decimal import Decimal

from django.utils import translation

from core import charts


def a_line_chart(**kwargs):
    return charts.line_chart(
        chart_id="c1",
        title="人口 <推移>",
        description="説明",
        x_labels=["2020", "2025"],
        series=[charts.Series("実績", [10, None]), charts.Series("推計", [10, 8], dashed=True)],
        table=charts.Table(caption="表", columns=["年", "人"], rows=[["2020", "10"]]),
        **kwargs,
    )


def test_a_chart_is_an_image_named_by_its_title_and_description():
    svg = str(a_line_chart().svg)
    assert svg.startswith('<svg class="chart__svg" viewBox="0 0 420 ')
    assert 'role="img" aria-labelledby="c1-t c1-d"' in svg
    assert '<title id="c1-t">人口 &lt;推移&gt;</title>' in svg


def test_series_differ_by_dash_and_marker_not_only_colour():
    svg = str(a_line_chart().svg)
    assert "series--dashed" in svg
    assert "<circle" in svg and "<rect" in svg  # circle markers, square markers


def test_a_blank_value_leaves_a_gap_never_a_zero():
    chart = charts.bar_chart(
        chart_id="b1",
        title="t",
        description="d",
        categories=["新庄市", "金山町"],
        series=[charts.Series("R7", [612, None])],
        table=charts.Table(caption="表", columns=["市町村", "R7"], rows=[]),
    )
    svg = str(chart.svg)
    assert svg.count('class="bar bar--solid"') == 1
    assert ">612<" in svg and ">−<" in svg


def test_printed_decimals_are_kept():
    assert charts.fmt_printed(Decimal("83.0")) == "83.0"
    assert charts.fmt_printed(Decimal("-5.0")) == "-5.0"
    assert charts.fmt(Decimal("2100.00")) == "2,100"
    assert charts.fmt(None) == "−"


def test_units_in_parentheses_follow_the_language():
    with translation.override("ja"):
        assert charts.paren("千円") == "（千円）"
    with translation.override("en"):
        assert charts.paren("thousand yen") == " (thousand yen)"


def test_nice_ticks_cover_the_range():
    assert charts.nice_ticks(0, 102214) == [0, 25000, 50000, 75000, 100000, 125000]
