"""Bar charts as inline SVG, drawn on the server so a page shows them without JavaScript.

Pure: figures in, markup out. Each chart is an image with a title and a description that a
screen reader reads (role="img", <title>, <desc>), and the page shows the same figures as a
table beside it (`BarChart.rows`), so nothing is told by the picture alone. Series differ by
shape as well as colour (solid or outlined bars): NHS blue and purple are too close to each
other for colour alone to carry the difference. Every piece of text is escaped here, since the
page inserts the markup as it is.

Bars stand up from a time axis (months, years) or lie along named categories (specialties,
causes, bands), whose labels are too long to stand under a bar. A chart's `Scale` says how its
values read (claims, pounds, percentages), in the bars, the axis and the table alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# NHS.UK palette: each against white well above the 3:1 that a chart's marks need.
NHS_BLUE = "#005eb8"
NHS_PURPLE = "#330072"
TEXT = "#212b32"
AXIS = "#4c6272"
GRID = "#d8dde0"  # decoration only: the tick labels carry the values

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 40, 72  # margins: y labels, -, legend, x labels
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
LABEL_SIZE, VALUE_SIZE = 12, 11
CHAR_WIDTH = 0.6 * LABEL_SIZE  # a fair average for wrapping labels in a sans-serif face
LINE_HEIGHT = LABEL_SIZE + 2
# Lying bars: category labels on the left; room on the right for the longest bar's value.
LABELS_WIDTH, VALUES_WIDTH = 208, 104
LYING_PLOT_WIDTH = WIDTH - LABELS_WIDTH - VALUES_WIDTH
BAR_THICKNESS, CATEGORY_GAP = 16, 12
LYING_BOTTOM = 48  # the value axis's ticks and label


@dataclass(frozen=True)
class Scale:
    """How a chart's values read: a count, an amount of money, a percentage."""

    prefix: str = ""
    suffix: str = ""
    places: int = 0
    # Whether a series' total means something: claims and pounds add up, percentages do not.
    summed: bool = True

    def shown(self, value) -> str:
        return f"{self.prefix}{value:,.{self.places}f}{self.suffix}"

    def tick(self, value: int) -> str:
        """An axis tick: always a round number, so never with places."""
        return f"{self.prefix}{value:,}{self.suffix}"


COUNT = Scale()
POUNDS = Scale(prefix="£", places=2)
PERCENT = Scale(suffix="%", places=1, summed=False)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]  # ints for counts; Decimal pounds keep their pence in the table
    colour: str = NHS_BLUE
    outlined: bool = False  # drawn as an outline: told apart from a solid series without colour

    @property
    def total(self) -> float:
        return sum(self.values)

    @property
    def paint(self) -> str:
        """The bar's fill and stroke attributes."""
        if self.outlined:
            return f'fill="#ffffff" stroke="{escape(self.colour)}" stroke-width="2"'
        return f'fill="{escape(self.colour)}"'


@dataclass(frozen=True)
class BarChart:
    id: str  # unique on its page: the title and description are referred to by id
    title: str
    description: str
    x_label: str
    y_label: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    scale: Scale = COUNT
    lying: bool = False  # bars along named categories, rather than standing on a time axis

    @property
    def rows(self) -> list[tuple[str, tuple[float, ...]]]:
        """The figures as a table's rows: each category and its value in every series."""
        return [(c, tuple(s.values[i] for s in self.series)) for i, c in enumerate(self.categories)]

    @property
    def empty(self) -> bool:
        return not any(s.total for s in self.series)

    @property
    def svg(self) -> Markup:
        return svg(self)


def bar_chart(
    *,
    id: str,
    title: str,
    x_label: str,
    y_label: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str,
    empty: str,
    scale: Scale = COUNT,
    lying: bool = False,
) -> BarChart:
    """A chart whose description sums each series up in words (`unit`: what a value counts),
    or says `empty` when every value is nought. `x_label` names the categories and `y_label`
    the values, whichever way the bars go."""
    categories, series = tuple(categories), tuple(series)
    for one in series:
        if len(one.values) != len(categories):
            raise ValueError(f"series {one.name!r} has {len(one.values)} values for {len(categories)} bars")
    description = _summary(categories, series, unit, empty, scale)
    return BarChart(id, title, description, x_label, y_label, categories, series, scale, lying)


def opened_and_closed(months: Sequence[str], opened: Sequence[int], closed: Sequence[int]) -> BarChart:
    """Cases opened and closed in each month, side by side."""
    return bar_chart(
        id="chart-opened-closed",
        title="Cases opened and closed each month" + (f", {months[0]} to {months[-1]}" if months else ""),
        x_label="Month",
        y_label="Cases",
        categories=months,
        series=(
            Series("Opened", tuple(opened), NHS_BLUE),
            Series("Closed", tuple(closed), NHS_PURPLE, outlined=True),
        ),
        unit="cases",
        empty="No case was opened or closed in these months.",
    )


def resolution_times(buckets: Sequence[str], closed: Sequence[int], period: str) -> BarChart:
    """How long the cases closed in `period` took from opening to closing."""
    return bar_chart(
        id="chart-resolution-time",
        title=f"Time from opening to closing, cases closed {period}",
        x_label="Time from opening to closing",
        y_label="Cases closed",
        categories=buckets,
        series=(Series("Cases closed", tuple(closed), NHS_BLUE),),
        unit="cases",
        empty=f"No case was closed {period}.",
    )


def _summary(
    categories: tuple[str, ...], series: tuple[Series, ...], unit: str, empty: str, scale: Scale
) -> str:
    if not categories or not any(one.total for one in series):
        return empty
    parts = []
    for one in series:
        peak = max(one.values)
        where = [c for c, v in zip(categories, one.values, strict=True) if v == peak]
        if not scale.summed:
            highest = f"the highest, {scale.shown(peak)}, in {_listed(where)}" if one.total else "none"
            parts.append(f"{one.name}: {highest}.")
            continue
        most = f"the most, {scale.shown(peak)}, in {_listed(where)}" if one.total else "none"
        parts.append(f"{one.name}: {scale.shown(one.total)} {unit} in all; {most}.")
    return " ".join(parts) + " The table below gives every figure."


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


# --- drawing --------------------------------------------------------------------------------


def svg(chart: BarChart) -> Markup:
    top, step = axis_scale(max((max(s.values, default=0) for s in chart.series), default=0))
    height, marks = _lying(chart, top, step) if chart.lying else (HEIGHT, _standing(chart, top, step))
    title_id, desc_id = f"{chart.id}-title", f"{chart.id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fairway-chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="{escape(title_id)}" '
        f'aria-describedby="{escape(desc_id)}" id="{escape(chart.id)}">',
        f'<title id="{escape(title_id)}">{escape(chart.title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(chart.description)}</desc>',
        *marks,
        *_legend(chart.series, LABELS_WIDTH if chart.lying else LEFT),
        "</svg>",
    ]
    return Markup("\n".join(parts))


def _standing(chart: BarChart, top: int, step: int) -> list[str]:
    return [
        *_y_axis(chart.y_label, top, step, chart.scale),
        *_bars(chart, top),
        *_x_axis(chart.x_label, chart.categories),
    ]


def axis_scale(highest: float) -> tuple[int, int]:
    """The y axis's top and tick step: steps of 1, 2 or 5 times a power of ten, at most five
    of them, the top at or above `highest` (an axis of 0 to 1 when there is nothing)."""
    highest = max(highest, 1)
    power = 1
    while True:
        for multiple in (1, 2, 5):
            step = multiple * power
            if math.ceil(highest / step) <= 5:
                return step * math.ceil(highest / step), step
        power *= 10


def _y(value: float, top: int) -> float:
    return TOP + PLOT_HEIGHT - PLOT_HEIGHT * value / top


def _y_axis(label: str, top: int, step: int, scale: Scale) -> list[str]:
    lines = []
    for tick in range(0, top + 1, step):
        y = _y(tick, top)
        lines.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        lines.append(_text(LEFT - 8, y + 4, scale.tick(tick), anchor="end"))
    middle = TOP + PLOT_HEIGHT / 2
    lines.append(
        f'<text x="16" y="{middle:.1f}" transform="rotate(-90 16 {middle:.1f})" text-anchor="middle" '
        f'font-size="{LABEL_SIZE}" fill="{TEXT}">{escape(label)}</text>'
    )
    return lines


def _bars(chart: BarChart, top: int) -> list[str]:
    if not chart.categories or not chart.series:
        return []
    group = PLOT_WIDTH / len(chart.categories)
    width = group * 0.8 / len(chart.series)
    lines = []
    for i, category in enumerate(chart.categories):
        for j, one in enumerate(chart.series):
            value = one.values[i]
            x = LEFT + group * i + group * 0.1 + width * j
            lines.extend(_bar(x, width, value, top, one, f"{one.name}, {category}", chart.scale))
    return lines


def _bar(
    x: float, width: float, value: float, top: int, series: Series, name: str, scale: Scale
) -> list[str]:
    if value <= 0:
        return []
    shown = scale.shown(value)
    label = f"{name}: {shown}"
    y = _y(float(value), top)
    height = TOP + PLOT_HEIGHT - y
    # An outline's stroke is drawn inside the bar's box, so it keeps the bar's true height.
    inset = 1 if series.outlined else 0
    return [
        _rect(x + inset, y + inset, max(width - 2 * inset, 1), max(height - 2 * inset, 1), series, label),
        _text(x + width / 2, y - 4, shown, anchor="middle", size=VALUE_SIZE),
    ]


def _rect(x: float, y: float, width: float, height: float, series: Series, label: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" {series.paint}>'
        f"<title>{escape(label)}</title></rect>"
    )


def _x_axis(label: str, categories: tuple[str, ...]) -> list[str]:
    base = TOP + PLOT_HEIGHT
    lines = [f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}" stroke="{AXIS}"/>']
    group = PLOT_WIDTH / len(categories) if categories else PLOT_WIDTH
    for i, category in enumerate(categories):
        x = LEFT + group * (i + 0.5)
        for n, line in enumerate(wrapped(category, group)):
            lines.append(_text(x, base + 16 + n * (LABEL_SIZE + 2), line, anchor="middle"))
    lines.append(_text(LEFT + PLOT_WIDTH / 2, HEIGHT - 8, label, anchor="middle"))
    return lines


def wrapped(text: str, width: float) -> list[str]:
    """A label broken at spaces into lines that fit `width` (a single long word stays whole)."""
    fits = max(int(width / CHAR_WIDTH), 1)
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= fits:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _legend(series: tuple[Series, ...], left: float) -> list[str]:
    if len(series) < 2:
        return []  # one series: the value axis's label names it
    lines, x = [], left
    for one in series:
        lines.append(f'<rect x="{x + 1}" y="13" width="14" height="14" {one.paint}/>')
        lines.append(_text(x + 20, 25, one.name, anchor="start"))
        x += 20 + CHAR_WIDTH * len(one.name) + 24
    return lines


# --- lying bars ------------------------------------------------------------------------------


def _lying(chart: BarChart, top: int, step: int) -> tuple[int, list[str]]:
    """Bars along named categories, one band of bars a category, labels wrapped to their left;
    the chart is as tall as its categories need. Its height and its marks."""
    bands = [_band(chart, category) for category in chart.categories]
    base = TOP + max(sum(bands), LINE_HEIGHT * 2)
    marks = [
        *_value_axis(chart, top, step, base),
        _text(8, 25, chart.x_label, anchor="start"),  # heads the category labels' column
    ]
    y = TOP
    for i, (category, band) in enumerate(zip(chart.categories, bands, strict=True)):
        marks.extend(_category(chart, i, category, y, band, top))
        y += band
    return math.ceil(base + LYING_BOTTOM), marks


def _band(chart: BarChart, category: str) -> float:
    """A category's height: its bars or its wrapped label, whichever is taller, and a gap."""
    lines = len(wrapped(category, LABELS_WIDTH - 16))
    return max(BAR_THICKNESS * len(chart.series), LINE_HEIGHT * lines) + CATEGORY_GAP


def _x(value: float, top: int) -> float:
    return LABELS_WIDTH + LYING_PLOT_WIDTH * value / top


def _value_axis(chart: BarChart, top: int, step: int, base: float) -> list[str]:
    lines = []
    for tick in range(0, top + 1, step):
        x = _x(tick, top)
        lines.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{base:.1f}" stroke="{GRID}"/>')
        lines.append(_text(x, base + 16, chart.scale.tick(tick), anchor="middle"))
    axis = f'x1="{LABELS_WIDTH}" x2="{LABELS_WIDTH}" y1="{TOP}" y2="{base:.1f}"'
    lines.append(f'<line {axis} stroke="{AXIS}"/>')
    lines.append(_text(LABELS_WIDTH + LYING_PLOT_WIDTH / 2, base + 40, chart.y_label, anchor="middle"))
    return lines


def _category(chart: BarChart, i: int, category: str, y: float, band: float, top: int) -> list[str]:
    """One category's label and its bar in each series, centred in its band."""
    label = wrapped(category, LABELS_WIDTH - 16)
    first = y + band / 2 - LINE_HEIGHT * (len(label) - 1) / 2 + 4
    marks = [
        _text(LABELS_WIDTH - 8, first + n * LINE_HEIGHT, line, anchor="end") for n, line in enumerate(label)
    ]
    bars_top = y + (band - BAR_THICKNESS * len(chart.series)) / 2
    for j, one in enumerate(chart.series):
        y_bar = bars_top + BAR_THICKNESS * j
        marks.extend(_lying_bar(y_bar, one.values[i], top, one, f"{one.name}, {category}", chart.scale))
    return marks


def _lying_bar(y: float, value: float, top: int, series: Series, name: str, scale: Scale) -> list[str]:
    if value <= 0:
        return []
    shown = scale.shown(value)
    length = _x(float(value), top) - LABELS_WIDTH
    inset = 1 if series.outlined else 0  # as a standing bar's: the outline keeps its true length
    width, height = max(length - 2 * inset, 1), BAR_THICKNESS - 2 - 2 * inset
    label = f"{name}: {shown}"
    return [
        _rect(LABELS_WIDTH + inset, y + 1 + inset, width, height, series, label),
        _text(LABELS_WIDTH + length + 4, y + BAR_THICKNESS / 2 + 4, shown, anchor="start", size=VALUE_SIZE),
    ]


def _text(x: float, y: float, text: str, *, anchor: str, size: int = LABEL_SIZE) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{TEXT}">{escape(text)}</text>'
    )
