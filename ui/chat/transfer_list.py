"""The transfers of the open conversation, under the composer: progress, Cancel, Retry, Remove."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.chat.transfers import (
    Transfer,
    TransferCancelled,
    TransferDone,
    TransferEvent,
    TransferKind,
    Transfers,
    TransferState,
)
from app.monitoring.units import format_bytes


class TransferRow(QWidget):
    """One file: name and size, a progress bar and Cancel; on failure the reason with Retry and
    Remove."""

    def __init__(self, transfers: Transfers, transfer: Transfer, parent: QWidget | None = None):
        super().__init__(parent)
        self._transfers = transfers
        self.transfer_id = transfer.id
        self.name = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(8)
        self.problem = QLabel()
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        self.cancel = QPushButton(self.tr("Cancel"))
        self.retry = QPushButton(self.tr("Retry"))
        self.remove = QPushButton(self.tr("Remove"))
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.name, 1)
        top.addWidget(self.cancel)
        top.addWidget(self.retry)
        top.addWidget(self.remove)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 2, 8, 2)
        column.setSpacing(2)
        column.addLayout(top)
        column.addWidget(self.bar)
        column.addWidget(self.problem)
        self.cancel.clicked.connect(lambda: self._transfers.cancel(self.transfer_id))
        self.remove.clicked.connect(lambda: self._transfers.remove(self.transfer_id))
        self.retry.clicked.connect(lambda: self._transfers.retry(self.transfer_id))
        self.show_transfer(transfer)

    def show_transfer(self, transfer: Transfer) -> None:
        arrow = "↑" if transfer.kind is TransferKind.UPLOAD else "↓"
        if transfer.state is TransferState.RUNNING and transfer.size:
            size = self.tr("{done} of {size}").format(
                done=format_bytes(transfer.done), size=format_bytes(transfer.size)
            )
        else:
            size = format_bytes(transfer.size)
        self.name.setText(f"{arrow} {transfer.name} · {size}")
        self.bar.setValue(round(transfer.fraction * 1000))
        failed = transfer.state is TransferState.FAILED
        self.problem.setText(transfer.problem or "")
        self.problem.setVisible(bool(transfer.problem))
        self.bar.setVisible(not failed)
        self.cancel.setVisible(not failed)
        self.retry.setVisible(failed and transfer.retryable)
        self.remove.setVisible(failed)


class TransferList(QWidget):
    """The rows of one conversation's transfers; hidden when there are none."""

    def __init__(self, transfers: Transfers, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._transfers = transfers
        self._conversation: int | None = None
        self.rows: dict[str, TransferRow] = {}
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(0)
        self._unsubscribe = transfers.events.subscribe(self._on)
        self.destroyed.connect(self._unsubscribe)
        self.setVisible(False)

    def set_conversation(self, conversation_id: int | None) -> None:
        self._conversation = conversation_id
        for row in self.rows.values():
            row.deleteLater()
        self.rows.clear()
        for transfer in self._transfers.items(conversation_id):
            self._add(transfer)
        self.setVisible(bool(self.rows))

    def stop(self) -> None:
        """Stops listening (the widget is going away)."""
        self._unsubscribe()

    def _add(self, transfer: Transfer) -> None:
        row = TransferRow(self._transfers, transfer, self)
        self.rows[transfer.id] = row
        self._column.addWidget(row)

    def _on(self, event: TransferEvent) -> None:
        transfer = event.transfer
        if transfer.conversation_id != self._conversation:
            return
        row = self.rows.get(transfer.id)
        if isinstance(event, TransferCancelled | TransferDone):
            if row is not None:
                del self.rows[transfer.id]
                row.deleteLater()
        elif row is None:
            self._add(transfer)
        else:
            row.show_transfer(transfer)
        self.setVisible(bool(self.rows))
