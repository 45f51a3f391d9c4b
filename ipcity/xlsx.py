"""The look of the official Excel forms (基本情况表, 责任清单, 指标体系): 宋体 body, 黑体 titles, thin boxes,
grey headings."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="E7E6E6")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


def style(cell, *, alignment=LEFT, border=BOX, bold=False, size=11, font=BODY_FONT, fill=None) -> None:
    cell.font = Font(name=font, size=size, bold=bold)
    cell.alignment = alignment
    if border is not None:
        cell.border = border
    if fill is not None:
        cell.fill = fill
