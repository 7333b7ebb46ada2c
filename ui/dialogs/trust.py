"""First contact with a server typed in by hand: show its fingerprint and ask before trusting."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.widgets.fields import FingerprintLabel
from ui.wizards.step_dialog import StepDialog


class TrustDialog(StepDialog):
    """ "Is this your server?" for a server this app has never seen (trust on first use)."""

    def __init__(
        self, *, name: str, address: str, fingerprint: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("Is this your server?"), parent)
        page = QWidget()
        layout = QVBoxLayout(page)
        intro = QLabel(
            self.tr(
                "This computer has not connected to {name} at {address} before. Its security "
                "fingerprint is:"
            ).format(name=name, address=address)
        )
        intro.setWordWrap(True)
        advice = QLabel(
            self.tr(
                "To be sure nobody is pretending to be your server, compare it with the "
                "fingerprint the Pi shows on its screen or in its log (roost-server info). "
                "From now on this app will only talk to the server with this fingerprint."
            )
        )
        advice.setWordWrap(True)
        advice.setProperty("role", "muted")
        layout.addWidget(intro)
        layout.addWidget(FingerprintLabel(fingerprint))
        layout.addWidget(advice)
        layout.addStretch(1)
        self.show_step(
            page, self.tr("Is this your server?"), self._yes, button=self.tr("Yes, trust it")
        )

    async def _yes(self) -> None:
        self.accept()
