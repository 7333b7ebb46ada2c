"""A small time chart (QtCharts) for one figure, in the theme's colours."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCharts import QChart, QChartView, QDateTimeAxis, QLineSeries, QValueAxis
from PySide6.QtCore import QDateTime, QEvent, QMargins, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

from ui.theme import colours, is_dark

# Below this many points the line's points are drawn as dots as well.
SPARSE_POINTS = 30


class TimeChart(QChartView):
    """One line over time: Unix-second points, a clock-time axis and a value axis.

    Attributes:
        series: the line (its points are the last ones given to `set_points`).
    """

    def __init__(
        self,
        title: str,
        *,
        fixed_max: float | None = None,
        decimals: int = 0,
        parent: QWidget | None = None,
    ) -> None:
        """
        Args:
            title: the chart's name, with its unit (translated by the caller).
            fixed_max: a fixed top of the value axis (100 for percentages); else it follows
                the data.
            decimals: digits after the point on the value axis.
            parent: the owning widget.
        """
        chart = QChart()
        super().__init__(chart, parent)
        self._fixed_max = fixed_max
        self._decimals = decimals
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(190)
        chart.setTitle(title)
        chart.legend().hide()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundRoundness(8)
        self.series = QLineSeries()
        chart.addSeries(self.series)
        self.x_axis = QDateTimeAxis()
        self.x_axis.setFormat("HH:mm")
        self.x_axis.setTickCount(5)
        self.y_axis = QValueAxis()
        self.y_axis.setLabelFormat(f"%.{decimals}f")
        self.y_axis.setTickCount(3)
        self.y_axis.setRange(0, fixed_max or 1)
        chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        self.series.attachAxis(self.x_axis)
        self.series.attachAxis(self.y_axis)
        self.apply_colours()

    def set_points(self, points: Sequence[tuple[float, float]], start: float, end: float) -> None:
        """Replaces the line.

        Args:
            points: ``(unix seconds, value)``, oldest first.
            start: the left edge of the time axis (Unix seconds).
            end: the right edge.
        """
        self.series.replace([QPointF(t * 1000.0, v) for t, v in points])
        # A fresh server has a handful of points at the right edge: show them as dots too.
        self.series.setPointsVisible(len(points) < SPARSE_POINTS)
        self.x_axis.setRange(
            QDateTime.fromMSecsSinceEpoch(int(start * 1000)),
            QDateTime.fromMSecsSinceEpoch(int(end * 1000)),
        )
        if self._fixed_max is None:
            top = max((v for _, v in points), default=0.0) * 1.2  # headroom above the line
            if self._decimals == 0:
                # Whole numbers (people, degrees): an even top keeps the middle tick whole.
                top = max(2, 2 * math.ceil(top / 2))
            self.y_axis.setRange(0, top if top > 0 else 1)

    def apply_colours(self) -> None:
        """Colours the chart for the current light or dark theme."""
        c = colours(is_dark())
        chart = self.chart()
        chart.setBackgroundBrush(QBrush(QColor(c["base"])))
        chart.setBackgroundPen(QPen(QColor(c["border"])))
        chart.setTitleBrush(QBrush(QColor(c["text"])))
        font = QFont(chart.titleFont())
        font.setBold(True)
        chart.setTitleFont(font)
        self.setBackgroundBrush(QBrush(QColor(c["window"])))
        pen = QPen(QColor(c["accent"]))
        pen.setWidthF(2.0)
        self.series.setPen(pen)
        for axis in (self.x_axis, self.y_axis):
            axis.setLabelsBrush(QBrush(QColor(c["muted"])))
            axis.setLinePen(QPen(QColor(c["border"])))
            axis.setGridLinePen(QPen(QColor(c["border"])))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        # The theme is switched by replacing the application palette; follow it.
        if event.type() == QEvent.Type.PaletteChange:
            self.apply_colours()
        super().changeEvent(event)
