"""The report's text pages: the line flow, the PDF reportlab writes, and its agreement with matplotlib."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from analysis import textpdf
from analysis.textpdf import A4_IN, BOTTOM, PT, TOP, Line, TextFlow, TextPage, write_pdf


def test_a_long_paragraph_wraps_within_the_margins_and_flows_onto_a_second_page():
    flow = TextFlow()
    words = " ".join(f"word{i:03d}" for i in range(1500))  # about 12,000 characters at 9.5 pt
    flow.para(words)
    assert len(flow.pages) >= 2
    for page in flow.pages:
        ys = [line.y for line in page.lines]
        assert ys == sorted(ys, reverse=True)  # top to bottom
        assert ys[0] <= TOP and ys[-1] >= BOTTOM
        for line in page.lines:
            assert line.x_in == textpdf.MARGIN_IN
            assert line.box_pt()[2] <= (A4_IN[0] - textpdf.MARGIN_IN) * 72 + 0.5  # within the right margin
    # every word once, in order
    assert " ".join(t for page in flow.pages for t in page.texts).split() == words.split()
    # consecutive lines 9.5 * 1.32 points apart
    first = flow.pages[0].lines
    assert first[0].y - first[1].y == pytest.approx(9.5 * 1.32 * PT)


def test_a_heading_near_the_bottom_starts_a_new_page():
    flow = TextFlow()
    flow.y = BOTTOM + 30 * PT  # less than the heading's 13 * 1.4 + 40 points
    flow.heading("Methods")
    assert len(flow.pages) == 2 and flow.pages[1].texts == ["Methods"] and flow.pages[1].lines[0].bold


def test_baselines_follow_matplotlibs_alignment():
    """va="top": the baseline 0.76 em below y; va="bottom": 0.24 em above it (points from the page's bottom)."""
    height_pt = A4_IN[1] * 72
    assert Line(1.0, 0.5, "x", 10).baseline_pt() == pytest.approx(0.5 * height_pt - 7.6)
    assert Line(1.0, 0.012, "x", 8, va="bottom").baseline_pt() == pytest.approx(0.012 * height_pt + 8 * 0.2402)
    left, _, right, _ = Line(4.0, 0.5, "abc", 10, ha="right").box_pt()
    assert right == pytest.approx(4.0 * 72) and left < right


@pytest.mark.parametrize("bold, mono", [(False, False), (True, False), (False, True)])
def test_widths_agree_with_matplotlibs_for_the_same_font(bold, mono):
    """The wrap widths were set for matplotlib's text in a PDF: reportlab's metrics of the same TrueType
    file agree with matplotlib's PDF backend (unhinted, 72 dpi) within 0.5 %."""
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure

    text = "Barefoot-style share of the last 7 days' km: odds ratio 1.16 (95 % CI 0.907 to 1.46)"
    fig = Figure(figsize=A4_IN, dpi=72)
    FigureCanvasPdf(fig)
    artist = fig.text(0.1, 0.5, text, fontsize=9.5, fontweight="bold" if bold else "normal",
                      family="monospace" if mono else "sans-serif")
    measured = artist.get_window_extent().width  # the PDF backend's renderer
    assert Line(1.0, 0.5, text, 9.5, bold=bold, mono=mono).width_pt() == pytest.approx(measured, rel=0.005)


def test_the_pdf_holds_the_text_with_the_fonts_embedded_and_the_same_bytes_twice():
    flow = TextFlow()
    flow.heading("Data quality")
    flow.para("Diary: 2 rows with an empty pain cell: not logged. Ζήτα and naïve stay as written.")
    flow.table(["region", "onsets"], [["Plantar fascia", 13], ["Achilles tendon", 15]])
    flow.mono(["week 2024-12-25..2024-12-31: 25.0 km"])
    flow.pages.append(TextPage())
    flow.pages[-1].text(0.5, 0.012, "page 2 of 2", fontsize=8, ha="center", va="bottom", color="#555555")
    meta = {"Title": "runlog report", "Author": "runlog", "Subject": "period", "Creator": "runlog 0.1"}
    pdf = write_pdf(flow.pages, meta)
    assert write_pdf(flow.pages, meta) == pdf  # no date, fixed ID
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2 and reader.metadata["/Title"] == "runlog report"
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Ζήτα and naïve stay as written" in first and "Achilles tendon 15" in first
    assert "page 2 of 2" in reader.pages[1].extract_text()
    assert pdf.count(b"/FontFile2") == 3  # DejaVu Sans, Bold and Mono, embedded (as subsets)
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((A4_IN[0] * 72, A4_IN[1] * 72))


def test_to_figure_draws_the_same_lines_with_matplotlib():
    flow = TextFlow()
    flow.bullet("one point", size=8.5, color="#333333")
    fig = flow.pages[0].to_figure()
    assert [t.get_text() for t in fig.texts] == ["-", "one point"]
    assert fig.texts[1].get_fontsize() == 8.5 and fig.texts[1].get_va() == "top"
    assert fig.texts[1].get_position()[0] == pytest.approx((textpdf.MARGIN_IN + 0.18) / A4_IN[0])


@pytest.mark.parametrize("bold", [False, True])
def test_a_word_longer_than_the_line_is_broken_inside_it_not_set_past_the_margin(bold):
    """A file path or a shoe name longer than the line (as textwrap.wrap broke it before reportlab)."""
    word = "Supercalifragilistic-Ultra-Carbon-Racing-Flat-" * 6  # ~280 characters, no space
    flow = TextFlow()
    flow.para(f"Shoes past their retire mileage: {word} (329 km), Ghost 15 (1064 km).",
              weight="bold" if bold else "normal")
    flow.bullet(f"Sources read: {word}.csv.")
    lines = flow.pages[0].lines
    assert len(lines) > 4
    for line in lines:
        assert line.box_pt()[2] <= (A4_IN[0] - textpdf.MARGIN_IN) * 72 + 0.5, line.text[:40]
    texts = [t for t in flow.pages[0].texts if t != "-"]
    assert word in "".join(texts)  # every character kept, in order


def test_a_page_with_characters_the_fonts_lack_is_for_matplotlib():
    page = TextPage()
    page.text(0.1, 0.9, "Ζήτα Привет naïve ≤ ±", fontsize=9)
    assert page.in_fonts()
    page.text(0.1, 0.8, "Shoes: 跑鞋 🏃", fontsize=9)
    assert not page.in_fonts()


def test_fonts_that_cannot_be_found_are_named_in_one_line(monkeypatch):
    import matplotlib.font_manager as fm

    from analysis.errors import RunlogError

    def not_found(*args, **kwargs):
        raise ValueError("Failed to find font DejaVu Sans")

    textpdf.fonts.cache_clear()
    monkeypatch.setattr(fm, "findfont", not_found)
    try:
        with pytest.raises(RunlogError, match="DejaVu Sans normal .*reinstall matplotlib"):
            textpdf.fonts()
    finally:
        monkeypatch.undo()
        textpdf.fonts.cache_clear()
    assert set(textpdf.fonts()) == {"regular", "bold", "mono"}
