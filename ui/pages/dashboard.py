"""The admin dashboard: status cards, alerts, and live charts of the server's health."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.accounts.account import Account
from app.chat.connection import ChatConnection
from app.monitoring.alerts import AlertText, Severity
from app.monitoring.cards import Card, CardKey, Level
from app.monitoring.dashboard import Dashboard, DashboardChanged, DashboardView
from app.monitoring.feed import LiveFeed
from app.monitoring.series import SeriesKey
from server.protocol.monitoring import HistoryRange
from ui.theme import colours, is_dark
from ui.widgets.charts import TimeChart

_SPAN_S: dict[str, float] = {"1h": 3600.0, "24h": 86_400.0}
_CARD_COLUMNS = 4  # fits the window's default width without clipping a card
_CHART_COLUMNS = 2


def _level_colour(level: Level) -> str:
    c = colours(is_dark())
    return {
        Level.OK: c["ok"],
        Level.WARN: c["warn"],
        Level.BAD: c["danger"],
        Level.UNKNOWN: c["muted"],
    }[level]


class StatusCard(QFrame):
    """One figure: a coloured dot for its level, its name, the value and a line of detail."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.level = Level.UNKNOWN
        self.dot = QLabel("●")
        self.title = QLabel()
        self.title.setProperty("role", "muted")
        self.value = QLabel()
        self.value.setStyleSheet("font-size: 18px; font-weight: 600;")
        self.detail = QLabel()
        self.detail.setProperty("role", "muted")
        self.detail.setWordWrap(True)
        for label in (self.title, self.value, self.detail):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        head = QHBoxLayout()
        head.setSpacing(6)
        head.addWidget(self.dot)
        head.addWidget(self.title, 1)
        box = QVBoxLayout(self)
        box.setContentsMargins(12, 10, 12, 10)
        box.setSpacing(2)
        box.addLayout(head)
        box.addWidget(self.value)
        box.addWidget(self.detail)
        box.addStretch(1)
        self.setMinimumWidth(150)

    def show_card(self, card: Card) -> None:
        self.level = card.level
        self.title.setText(card.title)
        self.value.setText(card.value)
        self.value.setToolTip(card.value)
        self.detail.setText(card.detail)
        self.detail.setVisible(bool(card.detail))
        self._colour()

    def _colour(self) -> None:
        self.dot.setStyleSheet(f"color: {_level_colour(self.level)}; font-size: 14px;")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.PaletteChange:
            self._colour()
        super().changeEvent(event)


class DashboardPage(QWidget):
    """Renders a `Dashboard` for one admin account; the range switch is its only input.

    Attributes:
        dashboard: the view-model (it runs between `start` and `stop`).
        feed: the live feed over the account's chat connection, when one was given; without
            it (or while it is not online) the dashboard polls.
        cards: the status cards by key, once the first figures arrived.
        charts: the charts by figure.
    """

    def __init__(
        self,
        account: Account,
        parent: QWidget | None = None,
        *,
        connection: ChatConnection | None = None,
    ) -> None:
        super().__init__(parent)
        self.account = account
        self.dashboard = Dashboard(account.api)
        self.feed = LiveFeed(connection, self.dashboard) if connection is not None else None
        # The page owns its dashboard, so the subscription lives exactly as long as both.
        self.dashboard.events.subscribe(self._on_changed)

        title = QLabel(self.tr("Dashboard"))
        title.setProperty("role", "title")
        self.server_label = QLabel(account.server_name)
        self.server_label.setProperty("role", "muted")
        self.hour_button = QPushButton(self.tr("Last hour"))
        self.day_button = QPushButton(self.tr("Last 24 hours"))
        self._range_group = QButtonGroup(self)
        for button in (self.hour_button, self.day_button):
            button.setCheckable(True)
            self._range_group.addButton(button)
        self.hour_button.setChecked(True)
        header = QHBoxLayout()
        header.addWidget(title)
        header.addWidget(self.server_label, 0, Qt.AlignmentFlag.AlignBottom)
        header.addStretch(1)
        header.addWidget(self.hour_button)
        header.addWidget(self.day_button)

        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        self.problem.hide()

        self.alerts_box = QFrame()
        self.alerts_box.setProperty("role", "danger-card")
        self._alerts_layout = QVBoxLayout(self.alerts_box)
        self._alerts_layout.setContentsMargins(12, 10, 12, 10)
        self._alerts_layout.setSpacing(6)
        self.alert_labels: list[QLabel] = []
        self.alerts_box.hide()

        self.empty = QLabel(self.tr("Collecting the first figures…"))
        self.empty.setProperty("role", "muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setMinimumHeight(80)

        self.cards: dict[CardKey, StatusCard] = {}
        self._cards_host = QWidget()
        self._cards_grid = QGridLayout(self._cards_host)
        self._cards_grid.setContentsMargins(0, 0, 0, 0)
        self._cards_grid.setSpacing(8)

        self.charts: dict[SeriesKey, TimeChart] = {
            SeriesKey.CPU: TimeChart(self.tr("Processor (%)"), fixed_max=100),
            SeriesKey.MEMORY: TimeChart(self.tr("Memory used (%)"), fixed_max=100),
            SeriesKey.TEMPERATURE: TimeChart(self.tr("Temperature (°C)")),
            SeriesKey.MESSAGES: TimeChart(self.tr("Messages per minute"), decimals=1),
            SeriesKey.USERS_ONLINE: TimeChart(self.tr("People online")),
            SeriesKey.DISK_FREE: TimeChart(self.tr("Free storage (GB)"), decimals=1),
        }
        self._charts_host = QWidget()
        charts_grid = QGridLayout(self._charts_host)
        charts_grid.setContentsMargins(0, 0, 0, 0)
        charts_grid.setSpacing(8)
        for i, chart in enumerate(self.charts.values()):
            charts_grid.addWidget(chart, i // _CHART_COLUMNS, i % _CHART_COLUMNS)

        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 4, 0)
        column.setSpacing(12)
        column.addWidget(self.problem)
        column.addWidget(self.alerts_box)
        column.addWidget(self.empty)
        column.addWidget(self._cards_host)
        column.addWidget(self._charts_host)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 16, 16, 16)
        outer.setSpacing(12)
        outer.addLayout(header)
        outer.addWidget(scroll, 1)
        self._connect_signals()
        self.show_view(self.dashboard.view)

    def _connect_signals(self) -> None:
        self.hour_button.clicked.connect(lambda: self.on_range_chosen("1h"))
        self.day_button.clicked.connect(lambda: self.on_range_chosen("24h"))

    async def start(self) -> None:
        """Begins loading and refreshing the figures (live when the connection is online)."""
        self.dashboard.start()
        if self.feed is not None:
            self.feed.start()

    async def stop(self) -> None:
        """Stops refreshing (the page keeps showing what it has)."""
        if self.feed is not None:
            await self.feed.stop()
        await self.dashboard.stop()

    def on_range_chosen(self, span: HistoryRange) -> None:
        self.dashboard.set_range(span)

    def _on_changed(self, event: DashboardChanged) -> None:
        self.show_view(event.view)

    def show_view(self, view: DashboardView) -> None:
        """Shows a view of the dashboard."""
        for button, span in ((self.hour_button, "1h"), (self.day_button, "24h")):
            button.setChecked(view.range == span)
            # The theme's primary look marks the chosen range (Fusion's "checked" is faint).
            button.setProperty("role", "primary" if view.range == span else None)
            button.style().unpolish(button)
            button.style().polish(button)
        self.problem.setText(view.problem or "")
        self.problem.setVisible(bool(view.problem))
        if view.forbidden:
            for w in (self.empty, self._cards_host, self._charts_host, self.alerts_box):
                w.hide()
            self.hour_button.setEnabled(False)
            self.day_button.setEnabled(False)
            return
        self._show_alerts(view.alerts)
        waiting = view.snapshot is None or view.collecting
        self.empty.setVisible(waiting and not view.problem)
        self._cards_host.setVisible(not waiting)
        self._charts_host.setVisible(view.snapshot is not None and not view.collecting)
        if not waiting:
            self._show_cards(view.cards)
        if view.snapshot is not None and view.snapshot.current is not None:
            end = max(view.snapshot.current.at, time.time())
            start = end - _SPAN_S[view.snapshot.range]
            for key, chart in self.charts.items():
                chart.set_points(view.series.get(key, []), start, end)

    def _show_cards(self, cards: list[Card]) -> None:
        for i, card in enumerate(cards):
            widget = self.cards.get(card.key)
            if widget is None:
                widget = StatusCard()
                widget.setObjectName(f"card-{card.key}")
                self.cards[card.key] = widget
                self._cards_grid.addWidget(widget, i // _CARD_COLUMNS, i % _CARD_COLUMNS)
            widget.show_card(card)

    def _show_alerts(self, alerts: list[AlertText]) -> None:
        for label in self.alert_labels:
            label.deleteLater()
        self.alert_labels = []
        for alert in alerts:
            prefix = self.tr("Urgent:") if alert.severity == Severity.CRITICAL else ""
            label = QLabel(f"⚠ {prefix} {alert.text}" if prefix else f"⚠ {alert.text}")
            label.setWordWrap(True)
            label.setProperty("role", "error" if alert.severity == Severity.CRITICAL else "warning")
            self._alerts_layout.addWidget(label)
            self.alert_labels.append(label)
        self.alerts_box.setVisible(bool(alerts))
