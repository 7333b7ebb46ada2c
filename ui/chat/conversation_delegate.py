"""Paints one conversation in the list: avatar, title, time, preview, unread badge, mute, presence.

Everything comes from the ``ConversationRow`` under ``ROW_ROLE``; the delegate only lays it
out. Long titles and previews (any script) are elided to the width, never wrapped.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.chat.conversation_rows import ConversationRow
from ui import icons
from ui.chat.avatar import paint_avatar
from ui.theme import colours, is_dark

# The model's role that holds the ConversationRow.
ROW_ROLE = Qt.ItemDataRole.UserRole + 1

AVATAR = 44
PAD = 10  # around the row and between avatar and text
GAP = 6  # between the two lines, and between title and time
MUTE_ICON = 14


def badge_text(unread: int) -> str:
    """The unread count as the badge shows it."""
    return "99+" if unread > 99 else str(unread)


class ConversationDelegate(QStyledItemDelegate):
    """Draws conversation rows; the height follows the font so larger system fonts fit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def sizeHint(  # noqa: N802 (Qt's name)
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        fm = QFontMetrics(option.font)
        height = max(AVATAR, fm.height() * 2 + GAP) + 2 * PAD
        return QSize(200, height)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        row = index.data(ROW_ROLE)
        if not isinstance(row, ConversationRow):
            super().paint(painter, option, index)
            return
        rect: QRect = option.rect
        palette: QPalette = option.palette
        state = option.state
        theme = colours(is_dark())
        selected = bool(state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.Highlight))
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.AlternateBase))
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted_colour = text_colour if selected else QColor(theme["muted"])

        # Avatar, with the other person's presence as a dot on its lower right.
        top = rect.top() + (rect.height() - AVATAR) / 2
        disc = QRectF(rect.left() + PAD, top, AVATAR, AVATAR)
        base_font: QFont = option.font
        paint_avatar(painter, disc, row.initials, row.colour, base_font)
        if row.kind == "direct" and row.online is not None:
            self._presence(painter, disc, row.online, palette, selected, theme)

        left = int(disc.right()) + PAD
        right = rect.right() - PAD
        fm = QFontMetrics(base_font)
        line1 = QRect(left, rect.top() + (rect.height() - 2 * fm.height() - GAP) // 2, 0, 0)
        line1.setRight(right)
        line1.setHeight(fm.height())
        line2 = QRect(line1.left(), line1.bottom() + GAP, line1.width(), fm.height())

        # Line 1: title, time on the right.
        small = QFont(base_font)
        small.setPointSizeF(max(6.0, base_font.pointSizeF() * 0.88))
        time_width = 0
        if row.time_label:
            painter.setFont(small)
            painter.setPen(muted_colour)
            time_width = QFontMetrics(small).horizontalAdvance(row.time_label)
            painter.drawText(
                line1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, row.time_label
            )
        title_font = QFont(base_font)
        title_font.setBold(row.unread > 0 and not row.left)
        painter.setFont(title_font)
        painter.setPen(muted_colour if row.left else text_colour)
        title_rect = QRect(line1)
        title_rect.setRight(line1.right() - (time_width + GAP if time_width else 0))
        title = QFontMetrics(title_font).elidedText(
            row.title, Qt.TextElideMode.ElideRight, title_rect.width()
        )
        painter.drawText(
            title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title
        )

        # Line 2: preview, then the mute icon and the unread badge on the right.
        end = line2.right()
        if row.unread > 0:
            end = self._badge(painter, line2, row, small, selected, theme) - GAP
        if row.muted:
            icon = icons.pixmap("bell-off", MUTE_ICON, muted_colour.name())
            y = line2.top() + (line2.height() - MUTE_ICON) // 2
            painter.drawPixmap(end - MUTE_ICON, y, icon)
            end -= MUTE_ICON + GAP
        preview_rect = QRect(line2)
        preview_rect.setRight(end)
        preview_font = QFont(base_font)
        preview_font.setItalic(row.pending)
        painter.setFont(preview_font)
        painter.setPen(muted_colour)
        preview = QFontMetrics(preview_font).elidedText(
            row.preview, Qt.TextElideMode.ElideRight, max(0, preview_rect.width())
        )
        painter.drawText(
            preview_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, preview
        )
        painter.restore()

    @staticmethod
    def _presence(
        painter: QPainter,
        disc: QRectF,
        online: bool,
        palette: QPalette,
        selected: bool,
        theme: dict[str, str],
    ) -> None:
        size = AVATAR * 0.28
        dot = QRectF(disc.right() - size, disc.bottom() - size, size, size)
        ring = palette.color(QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Base)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(ring)
        painter.drawEllipse(dot.adjusted(-2, -2, 2, 2))
        painter.setBrush(QColor(theme["ok"] if online else theme["muted"]))
        if online:
            painter.drawEllipse(dot)
        else:
            # Offline is a hollow ring: told apart from online by shape, not only colour.
            painter.drawEllipse(dot)
            painter.setBrush(ring)
            painter.drawEllipse(dot.adjusted(2.5, 2.5, -2.5, -2.5))

    @staticmethod
    def _badge(
        painter: QPainter,
        line: QRect,
        row: ConversationRow,
        font: QFont,
        selected: bool,
        theme: dict[str, str],
    ) -> int:
        """Paints the unread pill at the right end of ``line``; returns its left edge."""
        text = badge_text(row.unread)
        bold = QFont(font)
        bold.setBold(True)
        fm = QFontMetrics(bold)
        height = fm.height() + 2
        width = max(height, fm.horizontalAdvance(text) + 12)
        pill = QRectF(
            line.right() - width, line.top() + (line.height() - height) / 2, width, height
        )
        # Muted conversations get a grey badge: the count is there, but it does not call.
        if selected:
            fill, ink = QColor(theme["accent_text"]), QColor(theme["accent_button"])
        elif row.muted:
            fill, ink = QColor(theme["muted"]), QColor(theme["base"])
        else:
            fill, ink = QColor(theme["accent_button"]), QColor(theme["accent_text"])
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setFont(bold)
        painter.setPen(ink)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        return int(pill.left())
