"""The report's text pages: headings, paragraphs, tables and fixed-column lines on A4, written with reportlab.

The summary, methods and data-quality pages hold nothing but text. :class:`TextFlow` lays it
out as lines on pages (:class:`TextPage`, each a list of :class:`Line`); :func:`write_pdf`
writes the pages with reportlab, and :meth:`TextPage.to_figure` draws one with matplotlib
(the cohort report's pages, which go into its ``PdfPages``).

Why a second PDF library: matplotlib's PDF backend lays out every glyph of every string in
Python (FreeType glyph loads, per-glyph positions, TrueType subsetting): the report's seven
text pages cost 1.2-1.6 s of CPU that way, about 40 % of its drawing (benchmarks/README.md,
``report_speed.py``, session 10), and reportlab, a library made to set text in PDF, writes
them in a few hundredths of a second. The fonts are the TrueType files matplotlib ships and the
figure pages use (DejaVu Sans, Sans Bold, Sans Mono), embedded as subsets: the pages look alike
and their text is real, searchable text.

The flow itself (which words go on which line and page) is this module's own because it is a
few lines of arithmetic on the page's fixed geometry; paragraphs are broken into lines by the
font's own widths (reportlab's ``simpleSplit``), so no line runs into the margin.
Positions are in inches from the page's left edge and in fractions of its height from the
bottom, with matplotlib's vertical alignment: a ``"top"`` line's box starts at ``y``, its
baseline 0.76 em lower (the height of DejaVu's ``l``, which matplotlib's ``va="top"`` uses);
a ``"bottom"`` line's baseline is 0.24 em above ``y`` (the depth of its ``p``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

#: A4 portrait, inches (as :data:`analysis.plots.A4_PORTRAIT`)
A4_IN: tuple[float, float] = (8.27, 11.69)
MARGIN_IN = 0.75
TOP = 1 - 0.7 / A4_IN[1]
BOTTOM = 0.75 / A4_IN[1]
#: one point as a fraction of the page height
PT = 1 / (A4_IN[1] * 72)
#: baseline below a ``va="top"`` line's top, and above a ``va="bottom"`` line's bottom, in em (DejaVu, as
#: matplotlib measures them: the height of "l" and the depth of "p")
ASCENT_EM, DESCENT_EM = 0.76, 0.2402

#: style -> (family, weight) of the fonts the text pages use: matplotlib's defaults, as on the figure pages
_FONTS = {"regular": ("DejaVu Sans", "normal"), "bold": ("DejaVu Sans", "bold"), "mono": ("DejaVu Sans Mono", "normal")}


@dataclass(frozen=True)
class Line:
    """One line of text: where (``x_in`` inches from the left, ``y`` fraction of the page height from
    the bottom, aligned as ``ha``/``va``), what, and how (``size_pt``, ``bold``, ``mono``, ``color``)."""

    x_in: float
    y: float
    text: str
    size_pt: float
    bold: bool = False
    mono: bool = False
    color: str = "black"
    ha: str = "left"  # "left", "center", "right"
    va: str = "top"  # "top", "bottom"

    @property
    def font(self) -> str:
        """The reportlab name of the line's font (registered by :func:`fonts`)."""
        return fonts()["mono" if self.mono else "bold" if self.bold else "regular"]

    def width_pt(self) -> float:
        """The line's width when set, in points (reportlab's metrics of the embedded font)."""
        return stringWidth(self.text, self.font, self.size_pt)

    def box_pt(self, page_in: tuple[float, float] = A4_IN) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) of the line's box on the page, in points from the bottom-left
        corner; the box spans the font's descent to its ascent (as matplotlib measures a line)."""
        width = self.width_pt()
        x = self.x_in * 72 - {"left": 0.0, "center": width / 2, "right": width}[self.ha]
        base = self.baseline_pt(page_in)
        return x, base - DESCENT_EM * self.size_pt, x + width, base + ASCENT_EM * self.size_pt

    def baseline_pt(self, page_in: tuple[float, float] = A4_IN) -> float:
        """The baseline's height above the page's bottom edge, in points."""
        y_pt = self.y * page_in[1] * 72
        return y_pt - ASCENT_EM * self.size_pt if self.va == "top" else y_pt + DESCENT_EM * self.size_pt


@dataclass
class TextPage:
    """One A4 page of :class:`Line` s (``lines``, in the order they were laid out)."""

    lines: list[Line] = field(default_factory=list)
    size_in: tuple[float, float] = A4_IN

    def text(self, x: float, y: float, text: str, *, fontsize: float, fontweight: str = "normal",
             family: str = "sans-serif", color: str = "black", ha: str = "left", va: str = "top") -> None:
        """Add a line at ``x`` (fraction of the page width) and ``y`` (of its height), as ``Figure.text``."""
        self.lines.append(Line(x * self.size_in[0], y, text, fontsize, fontweight == "bold", family == "monospace",
                               color, ha, va))

    def in_fonts(self) -> bool:
        """Whether reportlab can write the page: every character is in the DejaVu fonts (not so for CJK or
        emoji: such a page is drawn by matplotlib, :meth:`to_figure`, which keeps them in the text layer)."""
        return _covered(self)

    @property
    def texts(self) -> list[str]:
        """The lines' text, top to bottom as laid out."""
        return [line.text for line in self.lines]

    def to_figure(self):
        """The page drawn as a matplotlib Figure (for a ``PdfPages`` of figures)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=self.size_in)
        FigureCanvasAgg(fig)
        for line in self.lines:
            fig.text(line.x_in / self.size_in[0], line.y, line.text, fontsize=line.size_pt,
                     fontweight="bold" if line.bold else "normal", family="monospace" if line.mono else "sans-serif",
                     color=line.color, ha=line.ha, va=line.va)
        return fig


class TextFlow:
    """Flow headings, paragraphs and small tables onto A4 pages (``pages``: :class:`TextPage` s)."""

    def __init__(self) -> None:
        self.pages: list[TextPage] = []
        self._new_page()

    def _new_page(self) -> None:
        self.page = TextPage()
        self.pages.append(self.page)
        self.y = TOP

    def _need(self, height: float) -> None:
        if self.y - height < BOTTOM:
            self._new_page()

    def _wrap(self, text: str, size: float, indent_in: float = 0.0, bold: bool = False) -> list[str]:
        """``text`` broken into lines that fit between the margins (less ``indent_in``), by the font's widths.

        A word longer than the line (a file path, a long shoe name) is broken inside, as
        :func:`textwrap.wrap` breaks it: ``simpleSplit`` would set it whole, past the margin.
        """
        font = fonts()["bold" if bold else "regular"]
        width_pt = (A4_IN[0] - 2 * MARGIN_IN - indent_in) * 72
        lines: list[str] = []
        for line in simpleSplit(text, font, size, width_pt):
            # a line too wide is one word alone (simpleSplit puts a word that does not fit on a line of its own)
            while len(line) > 1 and stringWidth(line, font, size) > width_pt:
                lo, hi = 1, len(line) - 1  # the longest prefix that fits, at least one character
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    lo, hi = (mid, hi) if stringWidth(line[:mid], font, size) <= width_pt else (lo, mid - 1)
                lines.append(line[:lo])
                line = line[lo:]
            lines.append(line)
        return lines

    def _add(self, x_in: float, text: str, size: float, **kw) -> None:
        self.page.lines.append(Line(x_in, self.y, text, size, **kw))

    def space(self, points: float = 6) -> None:
        """Move down ``points``."""
        self.y -= points * PT

    def heading(self, text: str, size: float = 13) -> None:
        """A bold heading, kept on a page with room for a line or two after it."""
        self._need((size * 1.4 + 40) * PT)
        self.space(size * 0.6)
        self._add(MARGIN_IN, text, size, bold=True)
        self.y -= size * 1.45 * PT

    def para(self, text: str, *, size: float = 9.5, indent_in: float = 0.0, bullet: str = "",
             weight: str = "normal", color: str = "black") -> None:
        """A paragraph wrapped to the page's width (``size`` in points; ``bullet`` hangs before it)."""
        bold = weight == "bold"
        text = " ".join(text.split("\n"))  # a paragraph: a newline is a space (as textwrap.wrap read it)
        lines = self._wrap(text, size, indent_in + (0.18 if bullet else 0), bold)
        step = size * 1.32 * PT
        for i, line in enumerate(lines or [""]):
            self._need(step)
            x = MARGIN_IN + indent_in
            if bullet and i == 0:
                self._add(x, bullet, size, color=color)
            self._add(x + (0.18 if bullet else 0), line, size, bold=bold, color=color)
            self.y -= step
        self.space(size * 0.35)

    def bullet(self, text: str, **kw) -> None:
        """A paragraph with a hanging dash."""
        self.para(text, bullet="-", **kw)

    def mono(self, lines: Sequence[str], *, size: float = 7.2) -> None:
        """Lines as printed by the CLI (fixed columns, <= 100 characters), in a monospace font, unwrapped."""
        step = size * 1.3 * PT
        for text in lines:
            self._need(step)
            self._add(MARGIN_IN, text, size, mono=True)
            self.y -= step
        self.space(size * 0.5)

    def table(self, header: Sequence[str], rows: Sequence[Sequence], *, size: float = 8.5,
              widths_in: Sequence[float] | None = None) -> None:
        """A plain table: bold header, one text line per row, columns at fixed offsets (inches)."""
        ncol = len(header)
        cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
        if widths_in is None:  # each column as wide as its widest cell, and 0.15 in between
            widths_in = [max(Line(0, 0, r[j], size, bold=k == 0).width_pt() for k, r in enumerate(cells)) / 72 + 0.15
                         for j in range(ncol)]
        step = size * 1.45 * PT
        for k, row in enumerate(cells):
            self._need(step * (2 if k == 0 else 1))
            x = MARGIN_IN
            for j, cell in enumerate(row):
                self._add(x, cell, size, bold=k == 0)
                x += widths_in[j]
            self.y -= step
        self.space(6)


@cache
def fonts() -> dict[str, str]:
    """Register the DejaVu fonts matplotlib draws with (the files its font manager finds: its own copies,
    or the system's where a distribution replaced them) with reportlab, once a process; style -> name.

    Raises :class:`~analysis.errors.RunlogError` where they cannot be found or read (a broken
    matplotlib install), naming the file.
    """
    from matplotlib.font_manager import FontProperties, findfont

    from analysis.errors import RunlogError

    names = {}
    for style, (family, weight) in _FONTS.items():
        path = "?"
        try:
            path = findfont(FontProperties(family=family, weight=weight), fallback_to_default=False)
            name = "runlog-" + Path(path).stem
            pdfmetrics.registerFont(TTFont(name, path))
        except Exception as exc:  # noqa: BLE001 - ValueError (not found), TTFError (unreadable)
            raise RunlogError(f"the report's font {family} {weight} ({path}) cannot be used ({exc}): "
                              "reinstall matplotlib, which ships it") from exc
        names[style] = name
    return names


def _covered(page: TextPage) -> bool:
    """Whether every character of the page is in its line's font (reportlab would set a missing one as an
    empty glyph, lost from the PDF's text; matplotlib keeps it in the text layer)."""
    cmaps = {name: pdfmetrics.getFont(name).face.charToGlyph for name in fonts().values()}
    return all(ord(ch) in cmaps[line.font] for line in page.lines for ch in line.text)


def write_pdf(pages: Sequence[TextPage], metadata: Mapping[str, str] | None = None) -> bytes:
    """The pages as a PDF (bytes), fonts embedded as subsets.

    ``metadata``: ``Title``, ``Author``, ``Subject``, ``Creator`` (as matplotlib's ``PdfPages`` takes
    them). The PDF carries reportlab's fixed date (2000-01-01) and ID (its ``invariant`` mode), so the
    same pages give the same bytes; the report's joined PDF takes its dates from matplotlib's part.
    """
    from matplotlib.colors import to_rgb

    metadata = dict(metadata or {})
    buffer = io.BytesIO()
    size = pages[0].size_in if pages else A4_IN
    pdf = Canvas(buffer, pagesize=(size[0] * 72, size[1] * 72), invariant=1, pageCompression=1,
                 initialFontName=fonts()["regular"])  # not reportlab's Helvetica: no font left unembedded
    pdf.setTitle(metadata.get("Title", ""))
    pdf.setAuthor(metadata.get("Author", ""))
    pdf.setSubject(metadata.get("Subject", ""))
    pdf.setCreator(metadata.get("Creator", ""))
    colors: dict[str, tuple[float, float, float]] = {}
    for page in pages:
        pdf.setPageSize((page.size_in[0] * 72, page.size_in[1] * 72))
        for line in page.lines:
            if not line.text:
                continue
            rgb = colors.get(line.color) or colors.setdefault(line.color, to_rgb(line.color))
            pdf.setFillColorRGB(*rgb)
            pdf.setFont(line.font, line.size_pt)
            x, y = line.x_in * 72, line.baseline_pt(page.size_in)
            if line.ha == "center":
                pdf.drawCentredString(x, y, line.text)
            elif line.ha == "right":
                pdf.drawRightString(x, y, line.text)
            else:
                pdf.drawString(x, y, line.text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


__all__ = ["A4_IN", "Line", "TextFlow", "TextPage", "fonts", "write_pdf"]
