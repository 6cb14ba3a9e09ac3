"""Questionnaire scores over time as SVG geometry, computed on the server. The template
(clinical/_score_chart.html) draws it as inline <svg> markup: no script, no style
attribute (the CSP's style-src is 'self'), colours as SVG presentation attributes, so
it renders offline and under the strict policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from clinical.instruments import Instrument

WIDTH, HEIGHT = 680, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 140, 12, 36
# Band fills, lightest for minimal; the text label says the band too.
BAND_FILLS = ("#e8f3ea", "#f4f1dc", "#fbe7cf", "#f8d6c8", "#f2c3c3")


@dataclass
class ChartBand:
    label: str
    y: float
    height: float
    fill: str
    label_y: float


@dataclass
class ChartPoint:
    x: float
    y: float
    score: int
    when: date
    band: str


@dataclass
class ScoreChart:
    instrument: Instrument
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM
    bands: list[ChartBand] = field(default_factory=list)
    points: list[ChartPoint] = field(default_factory=list)
    polyline: str = ""
    y_ticks: list[tuple[float, int]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)

    @property
    def plot_width(self) -> int:
        return self.plot_right - self.plot_left

    @property
    def plot_height(self) -> int:
        return self.plot_bottom - self.plot_top

    @property
    def center_x(self) -> float:
        return self.plot_left + self.plot_width / 2

    @property
    def center_y(self) -> float:
        return self.plot_top + self.plot_height / 2

    @property
    def summary(self) -> str:
        """The chart in words, for screen readers and print."""
        if not self.points:
            return f"No {self.instrument.name} scores yet."
        parts = [f"{p.when:%b %d, %Y}: {p.score} ({p.band})" for p in self.points]
        return f"{self.instrument.name} scores over time: " + "; ".join(parts) + "."


def score_chart(instrument: Instrument, scores: list[tuple[date, int]]) -> ScoreChart:
    """scores: (date completed, total), any order."""
    chart = ScoreChart(instrument=instrument)
    top, bottom = chart.plot_top, chart.plot_bottom
    span = instrument.max_score

    def y_of(score: float) -> float:
        return round(bottom - (score / span) * (bottom - top), 1)

    for i, band in enumerate(instrument.bands):
        upper = band.high + 1 if band.high < span else span
        y_top, y_bottom = y_of(upper), y_of(band.low)
        chart.bands.append(
            ChartBand(
                label=band.label,
                y=y_top,
                height=round(y_bottom - y_top, 1),
                fill=BAND_FILLS[i % len(BAND_FILLS)],
                label_y=round((y_top + y_bottom) / 2 + 4, 1),
            )
        )
    chart.y_ticks = [(y_of(b.low), b.low) for b in instrument.bands] + [(y_of(span), span)]
    ordered = sorted(scores)
    if not ordered:
        return chart
    first, last = ordered[0][0], ordered[-1][0]
    days = max((last - first).days, 1)

    def x_of(when: date) -> float:
        if first == last:
            return round(chart.plot_left + chart.plot_width / 2, 1)
        return round(chart.plot_left + ((when - first).days / days) * chart.plot_width, 1)

    chart.points = [
        ChartPoint(x=x_of(when), y=y_of(score), score=score, when=when, band=instrument.band(score).label)
        for when, score in ordered
    ]
    chart.polyline = " ".join(f"{p.x},{p.y}" for p in chart.points)
    # Month labels at the first score of each month (at most about eight).
    seen, ticks = set(), []
    for p in chart.points:
        key = (p.when.year, p.when.month)
        if key not in seen:
            seen.add(key)
            ticks.append((p.x, f"{p.when:%b %Y}" if p.when.month == 1 or not ticks else f"{p.when:%b}"))
    step = max(1, len(ticks) // 8 + (1 if len(ticks) % 8 else 0)) if len(ticks) > 8 else 1
    chart.x_ticks = ticks[::step]
    return chart
