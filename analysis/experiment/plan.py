"""The schedule of a randomised footwear self-experiment, and its calendar (METHODS.md 8).

Design (Daza 2018; Kravitz, Duan et al. 2014): an even number of blocks of
``block_days`` days, taken in pairs; each pair holds one block of each
condition in a random order (AB or BA, a fair coin per pair), so the sequence
is counterbalanced (ABBA, BAAB, ABAB ...). The first ``washout_days`` of every
block are lived in the new condition but not analysed, so that what the
previous block left behind (carry-over) is not counted. Weekly km is held
constant across conditions.

The plan is a tidy frame, one row per day::

    date,block,pair,condition,arm,washout,weekly_km
    2026-03-02,1,1,traditional,B,true,30
    ...

``arm`` says which condition is A (the first of ``--compare``) and which is B:
effects are reported as B minus A.

The order is drawn with :class:`numpy.random.Generator` from a recorded seed,
so the same seed gives the same plan.

The calendar (:func:`plan_ics`) is written with the standard library: an
iCalendar file of all-day events (RFC 5545) is a few lines of text (``BEGIN``,
``DTSTART;VALUE=DATE``, line folding, text escaping), and a library such as
``icalendar`` would be a dependency every user installs for those few lines.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import RunlogError
from analysis.outputs import atomic_write
from analysis.provenance import source_date
from analysis.schema import GROUPING, SHOE_CLASSES

PLAN_COLUMNS: tuple[str, ...] = ("date", "block", "pair", "condition", "arm", "washout", "weekly_km")
DEFAULT_BLOCKS = 6
DEFAULT_BLOCK_DAYS = 14
#: tendon and fascia pain answers a change of load within 24-72 h (the 24-hour rule's next morning)
DEFAULT_WASHOUT_DAYS = 3
DEFAULT_COMPARE: tuple[str, str] = ("barefoot-style", "traditional")

_TRUE = {"true", "1", "yes", "y", "t", "washout", "x"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def known_conditions(grouping: Mapping[str, str] | None = None) -> list[str]:
    """Conditions a plan may compare: the footwear groups and the shoe classes.

    Parameters
    ----------
    grouping : mapping, optional
        Shoe class -> group; default :data:`analysis.schema.GROUPING`.
    """
    grouping = GROUPING if grouping is None else grouping
    groups = [g for g in dict.fromkeys(grouping.values()) if g != "unknown"]
    return groups + [c for c in SHOE_CLASSES if c != "unknown" and c not in groups]


def parse_compare(text: str | Sequence[str], grouping: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The two conditions of ``--compare "barefoot-style,traditional"`` (A first, B second).

    Raises
    ------
    RunlogError
        Unless there are exactly two different known conditions.
    """
    parts = [p.strip().lower() for p in (text.split(",") if isinstance(text, str) else text) if p.strip()]
    known = known_conditions(grouping)
    unknown = [p for p in parts if p not in known]
    if unknown:
        raise RunlogError(f"--compare: unknown condition {unknown[0]!r}; use two of {', '.join(known)}")
    if len(parts) != 2 or parts[0] == parts[1]:
        raise RunlogError(
            f"--compare needs two different conditions separated by a comma (e.g. "
            f"\"barefoot-style,traditional\"), not {','.join(parts) or 'nothing'!r}"
        )
    return parts[0], parts[1]


def make_plan(
    start,
    *,
    blocks: int = DEFAULT_BLOCKS,
    block_days: int = DEFAULT_BLOCK_DAYS,
    compare: Sequence[str] = DEFAULT_COMPARE,
    washout_days: int = DEFAULT_WASHOUT_DAYS,
    weekly_km: float | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """A randomised, pair-counterbalanced block schedule, one row per day.

    Parameters
    ----------
    start : date-like
        First day of block 1.
    blocks : int
        Number of blocks, even, at least 4 (2 per condition); default 6.
    block_days : int
        Days per block (default 14); at least ``washout_days + 2``.
    compare : pair of str
        Conditions A and B (footwear groups or shoe classes); the effect is
        reported as B minus A.
    washout_days : int
        Days at the start of each block that are lived but not analysed (default 3).
    weekly_km : float, optional
        The weekly distance (km) to hold in every block; NA when not given.
    seed : int, optional
        Seed of the pair orders; drawn from the operating system when None
        (the seed used is in ``attrs["seed"]``).

    Returns
    -------
    DataFrame
        :data:`PLAN_COLUMNS`: ``date`` (datetime64, local calendar day),
        ``block`` and ``pair`` (Int64, from 1), ``condition`` (string),
        ``arm`` (A or B), ``washout`` (bool), ``weekly_km`` (Float64). ``attrs`` hold ``seed``
        and ``conditions`` (A, B).

    References
    ----------
    METHODS.md 8; Daza 2018, Methods Inf Med 57:e10; Kravitz, Duan et al. 2014
    (AHRQ, Design and Implementation of N-of-1 Trials).
    """
    a, b = parse_compare(compare)
    if blocks < 4 or blocks % 2:
        raise RunlogError(f"--blocks must be an even number of at least 4 (2 per condition), not {blocks}")
    if washout_days < 0:
        raise RunlogError(f"--washout-days must be 0 or more, not {washout_days}")
    if block_days < washout_days + 2:
        raise RunlogError(
            f"--block-days {block_days} leaves fewer than 2 analysed days after a {washout_days}-day "
            "wash-out; make blocks longer or the wash-out shorter"
        )
    if weekly_km is not None and not weekly_km > 0:
        raise RunlogError(f"--weekly-km must be a positive number of km, not {weekly_km}")
    try:
        first = pd.Timestamp(start).normalize()
    except (ValueError, TypeError):
        raise RunlogError(f"--start must be a date like 2026-03-02, not {start!r}") from None
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**31)
    rng = np.random.default_rng(seed)
    flips = rng.integers(0, 2, size=blocks // 2)
    order = [c for f in flips for c in ((a, b) if f == 0 else (b, a))]
    n = blocks * block_days
    day = np.arange(n)
    block = day // block_days
    plan = pd.DataFrame(
        {
            "date": pd.date_range(first, periods=n, freq="D").as_unit("ns"),
            "block": pd.array(block + 1, dtype="Int64"),
            "pair": pd.array(block // 2 + 1, dtype="Int64"),
            "condition": pd.array(np.asarray(order, dtype=object)[block], dtype="string"),
            "arm": pd.array(np.where(np.asarray(order, dtype=object)[block] == a, "A", "B"), dtype="string"),
            "washout": (day % block_days) < washout_days,
            "weekly_km": pd.array([weekly_km] * n, dtype="Float64"),
        }
    )
    plan.attrs.update(seed=int(seed), conditions=(a, b))
    return plan


def _bool(text: str) -> bool | None:
    t = str(text).strip().lower()
    return True if t in _TRUE else False if t in _FALSE else None


def validate_plan(plan: pd.DataFrame, *, path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Check and type a plan frame (as read from CSV or made by :func:`make_plan`).

    Rules: one row per date, blocks of consecutive days, one condition per
    block, exactly two conditions, an even number of blocks, and each pair
    holding one block of each condition (the orders the randomisation test
    enumerates). ``pair`` defaults to blocks (1, 2), (3, 4), ...; without an
    ``arm`` column, A is the condition of the first day.

    Parameters
    ----------
    plan : DataFrame
        Columns ``date``, ``block``, ``condition``, ``washout`` (``pair``,
        ``weekly_km`` optional); values may be strings.
    path : path, optional
        Named in error messages.

    Returns
    -------
    DataFrame
        :data:`PLAN_COLUMNS` with their dtypes, sorted by date; ``attrs["conditions"]``
        is (A, B).

    Raises
    ------
    RunlogError
        Naming the file and (spreadsheet) row of the first problem and how to fix it.
    """
    frame = plan.rename(columns=lambda c: str(c).strip().lower().replace(" ", "_"))
    out, rows = _typed_days(frame, path)
    conditions = _conditions(frame, out, rows, path)
    _check_blocks(out, path)
    _check_pairs(out, conditions, path)
    out["arm"] = pd.array(np.where(out["condition"] == conditions[0], "A", "B"), dtype="string")
    out = out.drop(columns="_row")[list(PLAN_COLUMNS)]
    out["condition"] = out["condition"].astype("string")
    out.attrs.update(conditions=tuple(conditions), seed=plan.attrs.get("seed"))
    return out


def _typed_days(frame: pd.DataFrame, path) -> tuple[pd.DataFrame, pd.RangeIndex]:
    """The plan's days typed and sorted by date (``_row``: spreadsheet row), and the rows in file order."""
    missing = [c for c in ("date", "block", "condition", "washout") if c not in frame]
    if missing:
        raise RunlogError(
            f"not a runlog experiment plan: no column {', '.join(missing)} (make one with "
            "'runlog experiment plan')", path=path)
    if frame.empty:
        raise RunlogError("the plan has no days (make one with 'runlog experiment plan')", path=path)
    rows = pd.RangeIndex(2, len(frame) + 2)  # spreadsheet rows: the header is row 1
    dates = pd.to_datetime(frame["date"].astype("string").str.strip().str[:10], format="%Y-%m-%d", errors="coerce")
    block = pd.to_numeric(frame["block"], errors="coerce")
    washout = frame["washout"].map(_bool) if frame["washout"].dtype != bool else frame["washout"]
    condition = frame["condition"].astype("string").str.strip().str.lower()
    checks = (
        (dates.isna(), "date is not a date like 2026-03-02"),
        (block.isna() | (block < 1) | (block % 1 != 0), "block is not a whole number from 1"),
        (condition.isna() | (condition == ""), "condition is empty"),
        (washout.isna(), "washout is not true or false"),
        (dates.duplicated(), "this date appears twice in the plan; one row per day"),
    )
    for bad, what in checks:
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise RunlogError(f"{what}", path=path, row=int(rows[i]))
    out = pd.DataFrame(
        {
            "date": dates.to_numpy(dtype="datetime64[ns]"),
            "block": pd.array(block.astype(int), dtype="Int64"),
            "condition": condition.to_numpy(),
            "washout": washout.astype(bool).to_numpy(),
            "weekly_km": pd.array(pd.to_numeric(frame["weekly_km"], errors="coerce"), dtype="Float64")
            if "weekly_km" in frame else pd.array([pd.NA] * len(frame), dtype="Float64"),
            "_row": rows,
        }
    )
    out["pair"] = (
        pd.array(pd.to_numeric(frame["pair"], errors="coerce").to_numpy(), dtype="Int64")
        if "pair" in frame else (out["block"] + 1) // 2
    )
    return out.sort_values("date", kind="stable").reset_index(drop=True), rows


def _conditions(frame: pd.DataFrame, out: pd.DataFrame, rows: pd.RangeIndex, path) -> list[str]:
    """The plan's two conditions as (A, B): by its ``arm`` column, else A is the first day's."""
    conditions = list(dict.fromkeys(out["condition"]))
    if "arm" in frame:
        arm = pd.Series(frame["arm"].astype("string").str.strip().str.upper().to_numpy(),
                        index=rows).reindex(out["_row"]).to_numpy()
        pairs = set(zip(out["condition"], arm, strict=True))
        if {x for _, x in pairs} - {"A", "B"} or len(pairs) != len({c for c, _ in pairs}):
            raise RunlogError("arm must be A or B, the same for every day of a condition", path=path)
        conditions = sorted(conditions, key=lambda c: dict(pairs)[c])
    if len(conditions) < 2:
        raise RunlogError(
            f"the plan has one condition only ({conditions[0]}): an experiment compares two; make a "
            "new plan with 'runlog experiment plan --compare A,B'", path=path)
    unknown = [c for c in conditions if c not in known_conditions()]
    if unknown:
        raise RunlogError(f"condition {unknown[0]!r} is not a footwear group or class; use "
                          f"{', '.join(known_conditions())}", path=path)
    if len(conditions) > 2:
        raise RunlogError(f"the plan has {len(conditions)} conditions ({', '.join(conditions)}); "
                          "an experiment compares two", path=path)
    return conditions


def _check_blocks(out: pd.DataFrame, path) -> None:
    """Each block: consecutive days, one condition, one pair number."""
    for b, days in out.groupby("block", sort=True):
        span = (days["date"].max() - days["date"].min()).days + 1
        if span != len(days):
            raise RunlogError(f"block {b} is not a run of consecutive days; each block is one stretch "
                              "of days", path=path, row=int(days["_row"].iloc[0]))
        if days["condition"].nunique() > 1:
            odd = days[days["condition"] != days["condition"].iloc[0]]
            raise RunlogError(f"block {b} changes condition; a block has one condition",
                              path=path, row=int(odd["_row"].iloc[0]))
        if days["pair"].isna().any() or days["pair"].nunique() > 1:
            raise RunlogError(f"block {b} has no single pair number", path=path, row=int(days["_row"].iloc[0]))


def _check_pairs(out: pd.DataFrame, conditions: list[str], path) -> None:
    """An even number of blocks, each pair holding one block of each condition (AB or BA)."""
    blocks = out.groupby("block")[["pair", "condition"]].first()
    if len(blocks) % 2:
        raise RunlogError(f"the plan has {len(blocks)} blocks; the design needs an even number", path=path)
    for p, pair in blocks.groupby("pair"):
        if sorted(pair["condition"]) != sorted(conditions):
            raise RunlogError(
                f"pair {p} (blocks {', '.join(map(str, pair.index))}) does not hold one block of each "
                f"condition; each pair is AB or BA (make the plan with 'runlog experiment plan')", path=path)


def plan_blocks(plan: pd.DataFrame) -> pd.DataFrame:
    """One row per block: ``block``, ``pair``, ``condition``, ``start``, ``end``, ``analysed_from``, ``days``."""
    g = plan.groupby("block", sort=True)
    out = pd.DataFrame(
        {
            "pair": g["pair"].first(),
            "condition": g["condition"].first(),
            "start": g["date"].min(),
            "end": g["date"].max(),
            "analysed_from": plan[~plan["washout"]].groupby("block")["date"].min().reindex(g.size().index),
            "days": g.size(),
            "washout_days": g["washout"].sum().astype(int),
        }
    )
    return out.reset_index()


def order_text(plan: pd.DataFrame) -> str:
    """The sequence of conditions as letters, e.g. ``ABBAAB`` (A = first condition of ``attrs``)."""
    a, _ = plan.attrs.get("conditions") or tuple(dict.fromkeys(plan["condition"]))
    return "".join("A" if c == a else "B" for c in plan_blocks(plan)["condition"])


def smallest_p(n_pairs: int) -> float:
    """The smallest two-sided p-value a randomisation test over ``2**n_pairs`` pair orders can give."""
    return min(1.0, 2.0 / 2**n_pairs)


def plan_to_csv(plan: pd.DataFrame) -> str:
    """The plan as CSV text (ISO dates, ``true``/``false`` wash-out, empty weekly km when not set)."""
    out = plan[list(PLAN_COLUMNS)].copy()
    out["date"] = out["date"].dt.strftime("%Y-%m-%d")
    out["washout"] = np.where(out["washout"], "true", "false")
    out["weekly_km"] = out["weekly_km"].map(lambda v: "" if pd.isna(v) else f"{float(v):g}")
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def read_plan(path: str | os.PathLike) -> pd.DataFrame:
    """Read and check a plan CSV written by :func:`plan_to_csv` (or typed by hand).

    Raises
    ------
    RunlogError
        The file is missing or unreadable, or breaks a rule of :func:`validate_plan`.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=True, encoding="utf-8-sig")
    except FileNotFoundError:
        raise RunlogError("plan file not found (make one with 'runlog experiment plan')", path=path) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise RunlogError(f"not a readable CSV plan ({type(exc).__name__})", path=path) from None
    return validate_plan(frame, path=path)


# ---------------------------------------------------------------------------
# iCalendar (RFC 5545)
# ---------------------------------------------------------------------------


def _ics_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Fold a content line into pieces of at most 75 octets (RFC 5545 3.1), continuation lines start with a space."""
    out, cur, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > (75 if not out else 74):
            out.append(cur)
            cur, size = "", 0
        cur += ch
        size += n
    out.append(cur)
    return [out[0]] + [" " + part for part in out[1:]]


def block_instructions(row, n_blocks: int, weekly_km: float | None) -> str:
    """What to do in one block, as plain text (calendar description and protocol)."""
    km = f" Keep weekly distance at about {weekly_km:g} km." if weekly_km is not None else (
        " Keep weekly distance as in the other blocks.")
    wash = ""
    if row.washout_days:
        last = (row.analysed_from - pd.Timedelta(days=1)) if pd.notna(row.analysed_from) else row.end
        wash = (f" Days {row.start:%d %b} to {last:%d %b} are a wash-out: lived in this footwear but not "
                "analysed.")
    return (f"Block {row.block} of {n_blocks}: run every run in {row.condition} footwear from "
            f"{row.start:%a %d %b} to {row.end:%a %d %b %Y}.{wash}{km} Every morning log first-steps pain "
            "(0-10) for each region and side. If pain passes 5/10, follow the 24-hour rule on the protocol.")


def plan_to_ics(plan: pd.DataFrame, *, stamp: dt.datetime | None = None) -> str:
    """The plan as an iCalendar file: one all-day event per block (RFC 5545).

    Parameters
    ----------
    plan : DataFrame
        From :func:`make_plan` or :func:`read_plan`.
    stamp : datetime, optional
        ``DTSTAMP`` of the events (UTC; default ``SOURCE_DATE_EPOCH`` when set, else now).

    Returns
    -------
    str
        The file's text, CRLF line ends, lines folded at 75 octets. ``DTEND``
        is the day after the block's last day (exclusive, as RFC 5545 wants
        for ``VALUE=DATE``). UIDs depend on the start date, the seed and the
        block, so importing the same plan twice updates rather than doubles.
    """
    stamp = (stamp or source_date() or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    blocks = plan_blocks(plan)
    km = plan["weekly_km"].dropna()
    weekly_km = float(km.iloc[0]) if len(km) else None
    seed = plan.attrs.get("seed")
    first = blocks["start"].min()
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//runlog//footwear self-experiment//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    for row in blocks.itertuples(index=False):
        uid = f"runlog-experiment-{first:%Y%m%d}-{seed if seed is not None else 'x'}-block{row.block}@runlog"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
            f"DTSTART;VALUE=DATE:{row.start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{row.end + pd.Timedelta(days=1):%Y%m%d}",
            "SUMMARY:" + _ics_text(f"Footwear experiment block {row.block}/{len(blocks)}: {row.condition}"),
            "DESCRIPTION:" + _ics_text(block_instructions(row, len(blocks), weekly_km)),
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(piece + "\r\n" for line in lines for piece in _fold(line))


def write_text(text: str, path: str | os.PathLike, *, newline: str = "") -> Path:
    """Write text whole or not at all (:func:`analysis.outputs.atomic_write`)."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)

    return atomic_write(path, write)
