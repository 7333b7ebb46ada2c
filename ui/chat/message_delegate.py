"""Paints the message view's rows: bubbles, quotes, files, reactions, receipts, separators.

Every row's geometry (text laid out with ``QTextLayout``, boxes for quotes, files and
reactions) is computed once per row content and width and kept, so that scrolling through
long conversations only paints. Image boxes take their size from the attachment's width and
height before the thumbnail arrives, so rows never change height when it does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QPixmap,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.chat.cache import CachedAttachment
from app.chat.timeline import DayRow, MessageRow, Receipt, Row, Thumbnails, UnreadRow
from ui.chat.message_model import MessageModel
from ui.theme import colours, is_dark

_Index = QModelIndex | QPersistentModelIndex

SIDE = 12  # space between the view's edges and the bubbles
PAD = 8  # inside a bubble
RADIUS = 10
GROUP_GAP = 8  # above the first message of a group
ROW_GAP = 2  # between messages of one group
MAX_BUBBLE = 560
IMAGE_MAX = QSize(280, 220)
IMAGE_MIN = 48
IMAGE_DEFAULT = QSize(240, 160)  # when the server could not tell an image's size
MAX_PIXMAPS = 200
# Geometries of rows the model no longer holds are dropped once there are this many; a few
# at a time, since freeing each text layout takes a moment.
PRUNE_SLACK = 150


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def is_visual(attachment: CachedAttachment) -> bool:
    """Shown as a picture (images, and videos with a thumbnail)."""
    return attachment.thumbnail and attachment.mime.startswith(("image/", "video/"))


def image_box(attachment: CachedAttachment, max_width: int) -> QSize:
    """The size an image is shown at: its own, scaled down to fit, never below a minimum."""
    w = attachment.width or IMAGE_DEFAULT.width()
    h = attachment.height or IMAGE_DEFAULT.height()
    scale = min(1.0, IMAGE_MAX.width() / w, IMAGE_MAX.height() / h, max_width / w)
    return QSize(max(IMAGE_MIN, round(w * scale)), max(IMAGE_MIN, round(h * scale)))


@dataclass
class _Geometry:
    """Where each part of a row goes, relative to the row's top left corner."""

    height: int
    bubble: QRect = field(default_factory=QRect)
    sender: QRect | None = None
    quote: QRect | None = None
    files: list[tuple[CachedAttachment, QRect]] = field(default_factory=list)
    text: QTextLayout | None = None
    text_at: QPointF = field(default_factory=QPointF)
    footer: QRect = field(default_factory=QRect)
    footer_text: str = ""
    reactions: list[tuple[str, QRect]] = field(default_factory=list)
    problem: QRect | None = None


class MessageDelegate(QStyledItemDelegate):
    """Paints the rows of a ``MessageModel`` in a ``QListView``.

    Args:
        view: the list (its viewport's width is the rows' width).
        thumbnails: where pictures come from (None: placeholders only).
        want_thumbnail: called with an attachment id whose thumbnail is not on disk yet; the
            view fetches it and calls ``thumbnail_ready``.

    Attributes:
        highlight_key: the row shown highlighted (a search result landed on it).
    """

    def __init__(
        self,
        view: QListView,
        model: MessageModel,
        thumbnails: Thumbnails | None,
        want_thumbnail: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._view = view
        self._model = model
        self._thumbnails = thumbnails
        self._want = want_thumbnail
        self._geometries: dict[int, tuple[Row, _Geometry]] = {}  # id(row) -> (row, geometry)
        self._width = -1
        self._pixmaps: dict[str, QPixmap] = {}
        self._looked_up: set[str] = set()
        self.highlight_key: str | None = None
        self._fonts()

    def _fonts(self) -> None:
        base = QFont(self._view.font())
        self._font = base
        self._small = QFont(base)
        self._small.setPointSizeF(max(6.0, base.pointSizeF() * 0.85))
        self._bold = QFont(self._small)
        self._bold.setBold(True)
        self._italic = QFont(base)
        self._italic.setItalic(True)
        self._fm = QFontMetrics(base)
        self._small_fm = QFontMetrics(self._small)
        self._bold_fm = QFontMetrics(self._bold)

    def invalidate(self) -> None:
        """Forget every size (the width, the font or the theme changed)."""
        self._geometries.clear()
        self._fonts()

    # --- sizes ------------------------------------------------------------------------------

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        # The model's row directly: asking through index.data() costs a QVariant round trip,
        # and the list asks every row's size whenever it lays rows out.
        row = self._model.row(index.row())
        if row is None:
            return QSize(0, 0)
        return QSize(self._row_width(), self.geometry(row).height)

    def _row_width(self) -> int:
        if self._width < 0:
            self.set_width(self._view.viewport().width())
        return self._width

    def set_width(self, width: int) -> None:
        """The list's viewport has this width now (the view calls this when it resizes)."""
        if width != self._width:
            self._width = width
            self._geometries.clear()

    def geometry(self, row: Row) -> _Geometry:
        """The row's layout at the view's current width (computed once, then kept)."""
        width = self._row_width()
        # By identity: the timeline keeps a row's object while its content stays the same, and
        # the entry holds the row, so its id cannot be reused by another row meanwhile.
        kept = self._geometries.get(id(row))
        if kept is not None and kept[0] is row:
            return kept[1]
        if len(self._geometries) > self._model.rowCount() + PRUNE_SLACK:
            self._prune()
        geo = self._layout(row, width)
        self._geometries[id(row)] = (row, geo)
        return geo

    def _prune(self) -> None:
        """Keeps the geometries of the rows the model holds now; the rest are gone for good."""
        held = {id(r) for r in self._model.rows()}
        self._geometries = {k: v for k, v in self._geometries.items() if k in held}

    def _layout(self, row: Row, width: int) -> _Geometry:
        if isinstance(row, DayRow):
            return _Geometry(height=self._small_fm.height() + 2 * PAD + GROUP_GAP)
        if isinstance(row, UnreadRow):
            return _Geometry(height=self._small_fm.height() + 2 * PAD)
        return self._layout_message(row, width)

    def _layout_message(self, row: MessageRow, width: int) -> _Geometry:
        max_bubble = max(120, min(MAX_BUBBLE, int((width - 2 * SIDE) * 0.78)))
        inner = max_bubble - 2 * PAD
        top = GROUP_GAP if row.first_in_group else ROW_GAP
        y = PAD
        content_w = 0
        geo = _Geometry(height=0)
        if row.show_sender:
            # +2: advances are whole pixels, and eliding to the exact measure can cut a name
            # that fits ("Dad" painted as "D…").
            name_w = min(inner, self._bold_fm.horizontalAdvance(row.sender) + 2)
            geo.sender = QRect(PAD, y, name_w, self._bold_fm.height())
            y += self._bold_fm.height() + 2
            content_w = max(content_w, name_w)
        if row.reply is not None:
            quote_w = min(
                inner,
                max(
                    self._bold_fm.horizontalAdvance(row.reply.sender),
                    self._small_fm.horizontalAdvance(row.reply.text),
                )
                + 12,
            )
            height = self._bold_fm.height() + self._small_fm.height() + 6
            geo.quote = QRect(PAD, y, quote_w, height)
            y += height + 4
            content_w = max(content_w, quote_w)
        for attachment in row.attachments:
            if is_visual(attachment):
                size = image_box(attachment, inner)
            else:
                label = self._chip_label(attachment)
                size = QSize(
                    min(inner, self._small_fm.horizontalAdvance(label) + 2 * PAD + 2),
                    self._small_fm.height() + 2 * PAD,
                )
            geo.files.append((attachment, QRect(PAD, y, size.width(), size.height())))
            y += size.height() + 4
            content_w = max(content_w, size.width())
        text = row.text if not row.deleted else self._deleted_label()
        if text:
            layout = QTextLayout(text, self._italic if row.deleted else self._font)
            option = QTextOption()
            option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
            layout.setTextOption(option)
            layout.beginLayout()
            text_h = 0.0
            natural = 0.0
            while True:
                line = layout.createLine()
                if not line.isValid():
                    break
                line.setLineWidth(inner)
                line.setPosition(QPointF(0, text_h))
                text_h += line.height()
                natural = max(natural, line.naturalTextWidth())
            layout.endLayout()
            geo.text = layout
            geo.text_at = QPointF(PAD, y)
            y += int(text_h + 0.999)
            content_w = max(content_w, int(natural + 0.999))
        footer = self._footer(row)
        footer_w = self._small_fm.horizontalAdvance(footer)
        content_w = max(content_w, footer_w)
        bubble_w = min(max_bubble, content_w + 2 * PAD)
        geo.footer = QRect(bubble_w - PAD - footer_w, y, footer_w, self._small_fm.height())
        geo.footer_text = footer
        y += self._small_fm.height() + PAD
        x = width - SIDE - bubble_w if row.own else SIDE
        geo.bubble = QRect(x, top, bubble_w, y)
        bottom = top + y
        if row.reactions:
            rx = x
            ry = bottom + 4
            chip_h = self._fm.height() + 4
            for reaction in row.reactions:
                label = f"{reaction.emoji} {reaction.count}"
                chip_w = self._fm.horizontalAdvance(label) + 12
                if rx + chip_w > x + max_bubble and rx > x:
                    rx, ry = x, ry + chip_h + 4
                geo.reactions.append((label, QRect(rx, ry, chip_w, chip_h)))
                rx += chip_w + 4
            bottom = ry + chip_h
        if row.receipt is Receipt.FAILED:
            label = self._not_sent_label()
            w = min(width - 2 * SIDE, self._small_fm.horizontalAdvance(label) + 4)
            geo.problem = QRect(width - SIDE - w, bottom + 2, w, self._small_fm.height())
            bottom = geo.problem.bottom() + 1
        geo.height = bottom + ROW_GAP
        return geo

    def _chip_label(self, attachment: CachedAttachment) -> str:
        return f"📎 {attachment.name} · {_human_size(attachment.size)}"

    def _deleted_label(self) -> str:
        return self.tr("Message deleted")

    def _not_sent_label(self) -> str:
        return self.tr("Not sent — right-click to retry")

    def _footer(self, row: MessageRow) -> str:
        parts = []
        if row.edited:
            parts.append(self.tr("edited"))
        parts.append(row.time)
        mark = {
            Receipt.PENDING: "◷",  # a clock face that common fonts have (emoji fonts may not)
            Receipt.FAILED: "⚠",
            Receipt.SENT: "✓",
            Receipt.READ_SOME: f"✓✓ {row.read_by}",
            Receipt.READ_ALL: "✓✓",
        }.get(row.receipt)
        if mark:
            parts.append(mark)
        return "  ".join(parts)

    # --- hit testing ------------------------------------------------------------------------

    def hit(self, row: Row, pos: QPoint) -> tuple[str, object] | None:
        """What is under ``pos`` (relative to the row's top left): ("attachment", id) or
        ("quote", seq), else None."""
        if not isinstance(row, MessageRow):
            return None
        geo = self.geometry(row)
        origin = geo.bubble.topLeft()
        for attachment, rect in geo.files:
            if rect.translated(origin).contains(pos):
                return "attachment", attachment.id
        quote = geo.quote
        if row.reply is not None and quote is not None and quote.translated(origin).contains(pos):
            return "quote", row.reply.seq
        return None

    # --- thumbnails -------------------------------------------------------------------------

    def thumbnail_ready(self, attachment_id: str, pixmap: QPixmap) -> None:
        """A thumbnail arrived; the next paint shows it."""
        if len(self._pixmaps) >= MAX_PIXMAPS:
            self._pixmaps.pop(next(iter(self._pixmaps)))
        self._pixmaps[attachment_id] = pixmap

    def _pixmap(self, attachment: CachedAttachment) -> QPixmap | None:
        found = self._pixmaps.get(attachment.id)
        if found is not None or self._thumbnails is None:
            return found
        if attachment.id in self._looked_up:
            return None
        self._looked_up.add(attachment.id)
        path = self._thumbnails.cached_thumbnail(attachment.id)
        if path is not None:
            pixmap = QPixmap(str(path))
            if not pixmap.isNull():
                self.thumbnail_ready(attachment.id, pixmap)
                return pixmap
        self._want(attachment.id)  # painted, so visible: worth fetching
        return None

    # --- painting ---------------------------------------------------------------------------

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        row = self._model.row(index.row())
        if row is None:
            return
        rect: QRect = option.rect
        palette: QPalette = option.palette
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        try:
            if isinstance(row, DayRow):
                self._paint_day(painter, rect, palette, row.label)
            elif isinstance(row, UnreadRow):
                self._paint_unread(painter, rect, palette, row.label)
            else:
                selected = bool(option.state & QStyle.StateFlag.State_Selected)
                self._paint_message(painter, rect, palette, row, selected)
        finally:
            painter.restore()

    def _paint_day(self, painter: QPainter, rect: QRect, palette: QPalette, label: str) -> None:
        painter.setFont(self._small)
        w = self._small_fm.horizontalAdvance(label) + 2 * PAD
        h = self._small_fm.height() + 4
        pill = QRect(rect.center().x() - w // 2, rect.top() + GROUP_GAP + PAD - 2, w, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
        painter.drawRoundedRect(pill, h / 2, h / 2)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_unread(self, painter: QPainter, rect: QRect, palette: QPalette, label: str) -> None:
        colour = QColor(colours(is_dark())["danger"])
        painter.setFont(self._bold)
        w = self._bold_fm.horizontalAdvance(label) + 2 * PAD
        mid = rect.center().y()
        painter.setPen(colour)
        painter.drawLine(rect.left() + SIDE, mid, rect.center().x() - w // 2, mid)
        painter.drawLine(rect.center().x() + w // 2, mid, rect.right() - SIDE, mid)
        painter.drawText(
            QRect(rect.center().x() - w // 2, rect.top(), w, rect.height()),
            Qt.AlignmentFlag.AlignCenter,
            label,
        )

    def _paint_message(
        self, painter: QPainter, rect: QRect, palette: QPalette, row: MessageRow, selected: bool
    ) -> None:
        geo = self.geometry(row)
        theme = colours(is_dark())
        accent = palette.color(QPalette.ColorRole.Highlight)
        if row.key == self.highlight_key or selected:
            band = QColor(accent)
            band.setAlpha(60 if row.key == self.highlight_key else 30)
            painter.fillRect(rect, band)
        bubble = geo.bubble.translated(rect.topLeft())
        if row.own:
            fill = QColor(theme["accent_button"])
            ink = QColor(theme["accent_text"])
            if row.receipt in (Receipt.PENDING, Receipt.FAILED):
                fill.setAlpha(170)
        else:
            fill = palette.color(QPalette.ColorRole.AlternateBase)
            ink = palette.color(QPalette.ColorRole.Text)
        muted = QColor(ink)
        muted.setAlpha(170)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(bubble, RADIUS, RADIUS)
        origin = bubble.topLeft()
        if geo.sender is not None:
            painter.setFont(self._bold)
            painter.setPen(accent)
            painter.drawText(
                geo.sender.translated(origin),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                self._bold_fm.elidedText(
                    row.sender, Qt.TextElideMode.ElideRight, geo.sender.width()
                ),
            )
        if row.reply is not None and geo.quote is not None:
            self._paint_quote(painter, geo.quote.translated(origin), row, ink, muted)
        for attachment, box in geo.files:
            self._paint_file(painter, box.translated(origin), attachment, ink, fill)
        if geo.text is not None:
            painter.setPen(muted if row.deleted else ink)
            geo.text.draw(painter, geo.text_at + QPointF(origin))
        painter.setFont(self._small)
        painter.setPen(muted)
        if row.receipt is Receipt.READ_ALL:
            painter.setPen(ink)
        painter.drawText(
            geo.footer.translated(origin),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            geo.footer_text,
        )
        if geo.reactions:
            painter.setFont(self._font)
            base = palette.color(QPalette.ColorRole.Base)
            border = QColor(theme["border"])
            for (label, chip), reaction in zip(geo.reactions, row.reactions, strict=True):
                box = chip.translated(rect.topLeft())
                painter.setBrush(base)
                painter.setPen(accent if reaction.mine else border)
                painter.drawRoundedRect(box, box.height() / 2, box.height() / 2)
                painter.setPen(palette.color(QPalette.ColorRole.Text))
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        if geo.problem is not None:
            painter.setFont(self._small)
            painter.setPen(QColor(theme["danger"]))
            painter.drawText(
                geo.problem.translated(rect.topLeft()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                self._small_fm.elidedText(
                    self._not_sent_label(), Qt.TextElideMode.ElideRight, geo.problem.width()
                ),
            )

    def _paint_quote(
        self, painter: QPainter, box: QRect, row: MessageRow, ink: QColor, muted: QColor
    ) -> None:
        assert row.reply is not None
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(muted)
        painter.drawRect(QRectF(box.left(), box.top(), 3, box.height()))
        text_w = box.width() - 10
        painter.setFont(self._bold)
        painter.setPen(ink)
        painter.drawText(
            QRect(box.left() + 10, box.top() + 2, text_w, self._bold_fm.height()),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self._bold_fm.elidedText(row.reply.sender, Qt.TextElideMode.ElideRight, text_w),
        )
        painter.setFont(self._small)
        painter.setPen(muted)
        painter.drawText(
            QRect(
                box.left() + 10,
                box.top() + 4 + self._bold_fm.height(),
                text_w,
                self._small_fm.height(),
            ),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self._small_fm.elidedText(row.reply.text, Qt.TextElideMode.ElideRight, text_w),
        )

    def _paint_file(
        self,
        painter: QPainter,
        box: QRect,
        attachment: CachedAttachment,
        ink: QColor,
        fill: QColor,
    ) -> None:
        if is_visual(attachment):
            pixmap = self._pixmap(attachment)
            if pixmap is not None:
                painter.drawPixmap(box, pixmap)
            else:
                shade = QColor(ink)
                shade.setAlpha(40)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(shade)
                painter.drawRoundedRect(box, 6, 6)
            if attachment.mime.startswith("video/"):
                painter.setPen(ink)
                painter.setFont(self._font)
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "▶")
            return
        chip = QColor(ink)
        chip.setAlpha(30)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(chip)
        painter.drawRoundedRect(box, 6, 6)
        painter.setPen(ink)
        painter.setFont(self._small)
        painter.drawText(
            box.adjusted(PAD, 0, -PAD, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self._small_fm.elidedText(
                self._chip_label(attachment), Qt.TextElideMode.ElideMiddle, box.width() - 2 * PAD
            ),
        )
