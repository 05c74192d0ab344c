"""The SVG charts: titled, described, escaped, and placing values where they belong."""

import re

from exam_engine.analysis import plots


def test_curve_chart_is_titled_and_places_points_on_the_scale():
    svg = str(plots.curve_with_points("icc", "Curve <of> item", "Line & points", [(-4.0, 0.0), (4.0, 1.0)],
                                      [(0.0, 0.5, 10)], "Ability", "Proportion"))
    assert svg.startswith('<svg class="chart" id="icc" role="img"') and 'aria-labelledby="icc-title icc-desc"' in svg
    assert "<title id=\"icc-title\">Curve &lt;of&gt; item</title>" in svg and "Line &amp; points" in svg
    x_mid = plots.MARGIN["left"] + (plots.WIDTH - plots.MARGIN["left"] - plots.MARGIN["right"]) / 2
    y_mid = plots.MARGIN["top"] + (plots.HEIGHT - plots.MARGIN["top"] - plots.MARGIN["bottom"]) / 2
    assert f'cx="{x_mid:.1f}" cy="{y_mid:.1f}"' in svg  # ability 0, proportion 0.5: the centre of the plot area


def test_heat_grid_marks_empty_cells_and_writes_counts():
    svg = str(plots.heat_grid("grid", "Coverage", "Counts", ["AC1.1", "AC1.2"], ["easy", "hard"], [[0, 3], [1, 0]]))
    assert svg.count('class="cell cell--0"') == 2 and ">none<" in svg and ">3<" in svg
    assert re.search(r'viewBox="0 0 \d+ \d+"', svg)


def test_bars_scale_to_a_round_maximum():
    svg = str(plots.bars("bars", "Exposure", "Shares", [("A", 0.3), ("B", 0.15)], "Share"))
    heights = [float(h) for h in re.findall(r'<rect class="bar"[^>]* height="([\d.]+)"', svg)]
    assert heights[0] == 2 * heights[1] > 0
