"""The report charts: SVG from Jinja macros, read back as XML and measured."""

import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import make_test_app
from tests.properties import PROPERTY
from tracker.reports.scale import nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def charts():
    """The chart macros, rendered in a request context as the report page renders them."""
    app = make_test_app("sqlite://")
    # The report blueprint registers nice_ticks for its pages; the macros are rendered here on their own.
    app.jinja_env.globals.setdefault("nice_ticks", nice_ticks)
    with app.test_request_context():
        yield app.jinja_env.get_template("reports/_charts.html").module


def parse(markup) -> ET.Element:
    """The <figure> a macro rendered, as XML (the markup must be well formed)."""
    return ET.fromstring(str(markup))  # noqa: S314  (the app's own output, not outside input)


def svg_of(figure: ET.Element) -> ET.Element:
    return figure.find(f"{SVG}svg")


def texts(svg: ET.Element) -> list[str]:
    return ["".join(t.itertext()).strip() for t in svg.iter(f"{SVG}text")]


def bars(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "chart-bar"]


def columns(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "chart-column"]


FUNNEL = [("Received", 100, "/enquiries?stage=all&received_from=2026-09-01"), ("Contacted", 50, None),
          ("Consulted", 25, "/enquiries?reached=consulted"), ("Completed", 0, None)]


def test_bar_chart_is_a_figure_with_caption_title_description_and_axis_labels(charts):
    figure = parse(charts.bar_chart("funnel", "Funnel", FUNNEL, "Enquiries", "Stage reached"))
    assert figure.tag == "figure" and figure.get("id") == "funnel"
    assert figure.find("figcaption").text == "Funnel"
    svg = svg_of(figure)
    assert svg.get("role") == "group"  # a group, not an image: its bars are links
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert svg.get("aria-labelledby") == title.get("id") == "funnel-title"
    assert svg.get("aria-describedby") == desc.get("id") == "funnel-desc"
    assert title.text == "Funnel"
    assert "table" in desc.text  # it points to the table that holds the same numbers
    assert {"Enquiries", "Stage reached"} <= set(texts(svg))
    assert {"Received", "Contacted", "Consulted", "Completed"} <= set(texts(svg))


def test_chart_scales_with_its_container(charts):
    svg = svg_of(parse(charts.bar_chart("funnel", "Funnel", FUNNEL, "Enquiries", "Stage")))
    assert svg.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+ \d+", svg.get("viewBox"))
    assert svg.get("height") is None


def test_bar_lengths_are_proportional_to_values(charts):
    found = {r.get("data-value"): float(r.get("width"))
             for r in bars(svg_of(parse(charts.bar_chart("funnel", "Funnel", FUNNEL, "Enquiries", "Stage"))))}
    assert found["100"] > 0
    assert found["50"] == pytest.approx(found["100"] / 2)
    assert found["25"] == pytest.approx(found["100"] / 4)
    assert found["0"] == 0


def test_bars_start_on_the_axis_and_the_longest_fits_the_plot(charts):
    svg = svg_of(parse(charts.bar_chart("funnel", "Funnel", [("A", 97, None), ("B", 3, None)], "Enquiries", "x")))
    width = float(svg.get("viewBox").split()[2])
    starts = {float(r.get("x")) for r in bars(svg)}
    assert len(starts) == 1
    start = starts.pop()
    assert all(start + float(r.get("width")) <= width for r in bars(svg))


def test_value_axis_has_round_ticks_from_zero_past_the_largest_value(charts):
    svg = svg_of(parse(charts.bar_chart("funnel", "Funnel", [("A", 47, None)], "Enquiries", "Stage")))
    ticks = ["".join(t.itertext()) for g in svg.iter(f"{SVG}g") if g.get("class") == "chart-ticks"
             for t in g.iter(f"{SVG}text")]
    assert ticks == ["0", "10", "20", "30", "40", "50"]


def test_values_use_the_given_format(charts):
    svg = svg_of(parse(charts.bar_chart("days", "Median days", [("Enquiry to consultation", 2.5, None)],
                                        "Days", "Step", fmt=lambda v: f"{v:g} d")))
    assert "2.5 d" in texts(svg)
    assert "0 d" in texts(svg)  # the ticks too


@pytest.mark.parametrize("rows", [[], [("Received", 0, None), ("Contacted", 0, None)]], ids=["no rows", "all zero"])
def test_empty_bar_chart_says_no_enquiries(charts, rows):
    svg = svg_of(parse(charts.bar_chart("funnel", "Funnel", rows, "Enquiries", "Stage")))
    assert "No enquiries" in texts(svg)
    assert all(float(r.get("width")) == 0 for r in bars(svg))
    assert "no enquiries" in svg.find(f"{SVG}desc").text


def test_bars_link_to_their_list_only_when_given_an_href(charts):
    svg = svg_of(parse(charts.bar_chart("funnel", "Funnel", FUNNEL, "Enquiries", "Stage")))
    links = {a.get("href"): a.find(f"{SVG}rect").get("data-value") for a in svg.iter(f"{SVG}a")}
    assert links == {"/enquiries?stage=all&received_from=2026-09-01": "100", "/enquiries?reached=consulted": "25"}


def test_chart_links_leave_the_keyboard_to_the_table(charts):
    # The links are a shortcut for the mouse; the table beside the chart carries the same links for the keyboard.
    svg = svg_of(parse(charts.bar_chart("funnel", "Funnel", FUNNEL, "Enquiries", "Stage")))
    assert all(a.get("tabindex") == "-1" for a in svg.iter(f"{SVG}a"))


def test_long_labels_are_shortened_on_the_chart_but_kept_whole_in_the_bar_title(charts):
    label = "Consultation with the senior practitioner at the second site"
    svg = svg_of(parse(charts.bar_chart("x", "X", [(label, 4, None)], "Enquiries", "Specialist")))
    assert label not in texts(svg)
    assert any(t.endswith("…") and label.startswith(t[:-1]) for t in texts(svg))
    assert bars(svg)[0].find(f"{SVG}title").text == f"{label}: 4"


TREND = (["w/c 07/09/2026", "w/c 14/09/2026", "w/c 21/09/2026"],
         [("Received", [10, 5, 0]), ("Consultations booked", [4, 2, 1]), ("Treatments booked", [1, 0, 2])])


def test_column_chart_has_title_axis_labels_period_labels_and_a_text_legend(charts):
    periods, series = TREND
    figure = parse(charts.column_chart("trend", "Trend by week", periods, series, "Week", "Enquiries"))
    assert figure.find("figcaption").text == "Trend by week"
    svg = svg_of(figure)
    assert svg.find(f"{SVG}title").text == "Trend by week"
    assert {"Week", "Enquiries", *periods} <= set(texts(svg))
    legend = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "chart-legend")
    assert [t.text for t in legend.iter(f"{SVG}text")] == ["Received", "Consultations booked", "Treatments booked"]


def test_column_heights_are_proportional_and_share_a_baseline(charts):
    svg = svg_of(parse(charts.column_chart("trend", "Trend", *TREND, "Week", "Enquiries")))
    cols = columns(svg)
    assert len(cols) == 9  # 3 periods x 3 series
    height = {(c.get("data-series"), c.get("data-value")): float(c.get("height")) for c in cols}
    assert height[("Received", "5")] == pytest.approx(height[("Received", "10")] / 2)
    assert height[("Consultations booked", "2")] == pytest.approx(height[("Received", "10")] / 5)
    assert height[("Received", "0")] == 0
    assert len({round(float(c.get("y")) + float(c.get("height")), 1) for c in cols}) == 1


def test_series_differ_by_more_than_colour(charts):
    svg = svg_of(parse(charts.column_chart("trend", "Trend", *TREND, "Week", "Enquiries")))
    fill = {c.get("data-series"): c.get("fill") for c in columns(svg)}
    assert len(set(fill.values())) == 3
    patterns = {p.get("id") for p in svg.iter(f"{SVG}pattern")}
    # Two of the three are patterns (a greyscale print tells them apart by texture), each defined here.
    used = {f[len("url(#"):-1] for f in fill.values() if f.startswith("url(#")}
    assert len(used) == 2 and used <= patterns


def test_two_charts_on_one_page_do_not_share_ids(charts):
    first = svg_of(parse(charts.column_chart("trend-a", "A", *TREND, "Week", "Enquiries")))
    second = svg_of(parse(charts.column_chart("trend-b", "B", *TREND, "Week", "Enquiries")))
    ids = [e.get("id") for svg in (first, second) for e in svg.iter() if e.get("id")]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("periods, series", [([], []), (["Sep 2026", "Oct 2026"], [("Received", [0, 0])])],
                         ids=["no periods", "all zero"])
def test_empty_column_chart_says_no_enquiries(charts, periods, series):
    svg = svg_of(parse(charts.column_chart("trend", "Trend", periods, series, "Month", "Enquiries")))
    assert "No enquiries" in texts(svg)
    assert all(float(c.get("height")) == 0 for c in columns(svg))


def test_many_periods_get_slanted_labels_that_do_not_overlap(charts):
    periods = [f"w/c {d:02d}/09/2026" for d in range(1, 15)]
    svg = svg_of(parse(charts.column_chart("trend", "Trend", periods, [("Received", list(range(14)))], "Week", "n")))
    labels = [t for t in svg.iter(f"{SVG}text") if "".join(t.itertext()) in periods]
    assert len(labels) == 14 and all("rotate(" in t.get("transform", "") for t in labels)


def test_charts_reach_nothing_outside_the_page(charts):
    out = str(charts.bar_chart("funnel", "Funnel", FUNNEL, "Enquiries", "Stage"))
    out += str(charts.column_chart("trend", "Trend", *TREND, "Week", "Enquiries"))
    rest = out.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http" not in rest and "//" not in rest.replace("</", "")
    assert "<script" not in out and "<image" not in out


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_with_white(colour: str) -> float:
    return 1.05 / (_luminance(colour) + 0.05)


def test_text_and_marks_have_aa_contrast_against_white(charts):
    out = str(charts.bar_chart("funnel", "Funnel", FUNNEL, "Enquiries", "Stage"))
    out += str(charts.column_chart("trend", "Trend", *TREND, "Week", "Enquiries"))
    root = ET.fromstring(f"<page>{out}</page>")  # noqa: S314  (the app's own output)
    parent = {child: node for node in root.iter() for child in node}

    def fill_of(element):  # SVG fill is inherited from the nearest ancestor that sets it
        while element is not None and element.get("fill") is None:
            element = parent.get(element)
        return None if element is None else element.get("fill")

    text_colours = {fill_of(t) for t in root.iter(f"{SVG}text")}
    mark_colours = {r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("fill", "").startswith("#")}
    mark_colours |= {p.get("stroke") for p in root.iter(f"{SVG}path")}
    mark_colours -= {"#ffffff"}  # the pattern's gaps, the page itself
    assert text_colours and mark_colours
    assert all(contrast_with_white(c) >= 4.5 for c in text_colours), text_colours
    assert all(contrast_with_white(c) >= 4.5 for c in mark_colours), mark_colours


# Printable text, markup characters included; XML 1.0 cannot carry the C0 controls this parser would need.
LABEL = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=60)


@PROPERTY
@given(rows=st.lists(st.tuples(LABEL, st.integers(0, 10**6), st.one_of(st.none(), LABEL)), max_size=12),
       title=LABEL)
def test_any_labels_and_counts_render_well_formed_bars_within_the_plot(charts, rows, title):
    figure = parse(charts.bar_chart("any", title, rows, "Enquiries", "Label"))
    svg = svg_of(figure)
    width = float(svg.get("viewBox").split()[2])
    widths = [float(r.get("width")) for r in bars(svg)]
    assert len(widths) == len(rows)
    assert all(0 <= w <= width for w in widths)
    assert figure.find("figcaption").text == (title or None)
    biggest = max((v for _label, v, _href in rows), default=0)
    assert ("No enquiries" in texts(svg)) == (biggest == 0)


@PROPERTY
@given(data=st.data(), n_periods=st.integers(0, 40), n_series=st.integers(1, 4))
def test_any_series_render_well_formed_columns_within_the_plot(charts, data, n_periods, n_series):
    periods = data.draw(st.lists(LABEL, min_size=n_periods, max_size=n_periods))
    series = [(data.draw(LABEL), data.draw(st.lists(st.integers(0, 10**5), min_size=n_periods, max_size=n_periods)))
              for _ in range(n_series)]
    svg = svg_of(parse(charts.column_chart("any", "Trend", periods, series, "Week", "Enquiries")))
    _x, _y, width, height = (float(v) for v in svg.get("viewBox").split())
    cols = columns(svg)
    assert len(cols) == n_periods * n_series
    assert all(float(c.get("y")) >= 0 and float(c.get("y")) + float(c.get("height")) <= height for c in cols)
    assert all(float(c.get("x")) + float(c.get("width")) <= width for c in cols)


@pytest.mark.parametrize("top, ticks", [
    (0, [0, 1]), (1, [0, 1]), (3, [0, 1, 2, 3]), (7, [0, 2, 4, 6, 8]), (10, [0, 2, 4, 6, 8, 10]),
    (47, [0, 10, 20, 30, 40, 50]), (100, [0, 20, 40, 60, 80, 100]), (999, [0, 200, 400, 600, 800, 1000]),
    (0.37, [0, 0.1, 0.2, 0.3, 0.4]), (2.5, [0, 0.5, 1, 1.5, 2, 2.5]),
    (5e-324, [0, 1]),  # the smallest float: a fifth of it is zero, which has no logarithm (hypothesis found it)
])
def test_nice_ticks_are_round_and_cover_the_top(top, ticks):
    assert nice_ticks(top) == ticks


@PROPERTY
@given(top=st.one_of(st.integers(0, 10**9), st.floats(0, 1e9, allow_nan=False)))
def test_nice_ticks_start_at_zero_step_evenly_and_reach_the_top(top):
    ticks = nice_ticks(top)
    steps = [b - a for a, b in itertools.pairwise(ticks)]
    assert ticks[0] == 0 and ticks[-1] >= top and all(step > 0 for step in steps)
    assert max(steps) == pytest.approx(min(steps))
    assert 2 <= len(ticks) <= 12
    if isinstance(top, int):
        assert all(isinstance(t, int) for t in ticks)
