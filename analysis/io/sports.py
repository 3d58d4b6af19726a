"""Whether an activity is a run when its file does not say so in the reader's own terms.

Shared by the readers, so every reader decides alike:

* :func:`untyped_sport`: a recording whose activity type is missing or too vague
  to decide (GPX without ``<type>``, TCX ``Sport="Other"``) is a run by its speed.
* :func:`classify_activity_type`: an activity type in the user's language
  (Garmin Connect's CSV, Garmin's GDPR type keys, a GPX ``<type>`` written by
  OpenTracks from the user's own category) is a run by Garmin Connect's locale
  tables, else by a running word stem.
* :func:`classify_activity_name`: an activity's free-text name (a GPX track's title) is
  matched against the same tables word by word, for the apps whose only word on the sport
  is the name they give the track (Zepp's "20240501 Outdoor Running").
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from importlib import resources

from analysis.io.table import alnum_key

#: A recording of no (or no specific) activity type averaging faster than this (m/s) is not
#: taken for a run: 7 m/s is 2:23 min/km, faster than any road race pace.
MAX_RUN_SPEED_MPS = 7.0


def untyped_sport(distance_m: float, moving_time_s: float, elapsed_time_s: float,
                  why: str = "no activity type in file") -> tuple[str | None, str]:
    """Sport of a recording whose file names no (specific) activity type: by its average speed.

    Parameters
    ----------
    distance_m : float
        Distance of the recording (m); NaN when unknown.
    moving_time_s, elapsed_time_s : float
        Moving time and elapsed time (s). The speed is the distance over the moving time,
        else (zero or unknown) over the elapsed time.
    why : str, optional
        What the file says (or does not say) about its sport, for the log reason.

    Returns
    -------
    sport : str or None
        ``"running"``, or None when the average speed exceeds :data:`MAX_RUN_SPEED_MPS`.
    note : str
        The log reason: ``"<why>; assumed a run"`` or why the speed rules it out. With no
        distance or no time the speed is unknown and the recording is assumed a run.
    """
    duration_s = next((t for t in (moving_time_s, elapsed_time_s) if _positive(t)), math.nan)
    speed = distance_m / duration_s if _positive(duration_s) and not _missing(distance_m) else math.nan
    if speed > MAX_RUN_SPEED_MPS:
        return None, f"{why}; average speed {speed:.1f} m/s is too fast for a run"
    return "running", f"{why}; assumed a run"


def _missing(value) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def _positive(value) -> bool:
    return not _missing(value) and float(value) > 0


# ---------------------------------------------------------------------------
# Running in any language: Garmin Connect's locale tables (analysis/data/garmin_locales.json),
# the widest list of translated activity types runlog has, and a stem rule for the rest.
# ---------------------------------------------------------------------------
#: Where the tables live (package data): Garmin Connect's headers, running types and stems.
GARMIN_LOCALES_RESOURCE = "data/garmin_locales.json"


@cache
def garmin_locale_tables() -> dict:
    """Garmin Connect's locale tables, read once from ``analysis/data/garmin_locales.json``.

    Returns
    -------
    dict
        The parsed file: ``header_aliases`` (``fields``: field -> {``seen``,
        ``best_known``}), ``run_type_aliases`` (``sports``: sport -> {``seen``,
        ``best_known``}), ``known_header_rows`` (``languages``: code -> header
        names) and ``run_stems`` (``run``, ``not_run``), with ``about`` and
        provenance notes. Treat it as read-only.
    """
    text = resources.files("analysis").joinpath(GARMIN_LOCALES_RESOURCE).read_text(encoding="utf-8")
    return json.loads(text)


def seen_then_best_known(table: dict[str, dict]) -> dict[str, tuple[str, ...]]:
    """``{key: {"seen": [...], "best_known": [...]}}`` -> ``{key: (seen..., best_known...)}``."""
    return {key: (*names["seen"], *names["best_known"]) for key, names in table.items()}


def alias_lookup(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Invert an alias table: each name's :func:`~analysis.io.table.alnum_key` -> its key.

    Raises ValueError when one name would stand for two keys.
    """
    out: dict[str, str] = {}
    for key, names in table.items():
        for name in names:
            n = alnum_key(name)
            if n and out.setdefault(n, key) != key:
                raise ValueError(f"alias {name!r} maps to both {out[n]} and {key}")
    return out


_LOCALES = garmin_locale_tables()

#: Running activity types (Garmin Connect's display names in each language it offers, and the
#: 2017 / GDPR type keys) -> canonical sport, seen names first.
RUN_TYPE_ALIASES: dict[str, tuple[str, ...]] = seen_then_best_known(_LOCALES["run_type_aliases"]["sports"])

# Running word stems and exclusions for activity types missing from the table.
_RUN_STEMS: tuple[str, ...] = tuple(_LOCALES["run_stems"]["run"])
_NOT_RUN_STEMS: tuple[str, ...] = tuple(_LOCALES["run_stems"]["not_run"])
_RUN_LOOKUP = alias_lookup(RUN_TYPE_ALIASES)
_RUN_STEMS_N = tuple(alnum_key(s) for s in _RUN_STEMS)
_NOT_RUN_STEMS_N = tuple(alnum_key(s) for s in _NOT_RUN_STEMS)


def classify_activity_type(value: object) -> tuple[str | None, str]:
    """Canonical run sport of an activity type written in any language, or None.

    Parameters
    ----------
    value : str
        An activity type as a platform or app writes it (``Løb``, ``Laufbandtraining``,
        ``street_running``, ``Course à pied``...). Compared case-, accent- and
        punctuation-insensitively (:func:`~analysis.io.table.alnum_key`).

    Returns
    -------
    sport : str or None
        A canonical run sport (schema.RUN_SPORTS), or None for a non-run.
    how : str
        ``"table"`` when found in :data:`RUN_TYPE_ALIASES`, ``"keyword"`` when
        taken as a run by a running word stem (``run``, ``lauf``, ``løb``, ``bieg``,
        ``跑``, ...) with no skiing, cycling, swimming or walking stem, ``""`` for a non-run.
    """
    n = alnum_key(value)
    if not n:
        return None, ""
    if n in _RUN_LOOKUP:
        return _RUN_LOOKUP[n], "table"
    if any(s in n for s in _NOT_RUN_STEMS_N):
        return None, ""
    if any(s in n for s in _RUN_STEMS_N):
        return "running", "keyword"
    return None, ""


# ---------------------------------------------------------------------------
# A sport in an activity's free-text name (a track's title), whole words only.
# ---------------------------------------------------------------------------
#: Words naming a sport that is not a run in an activity's name, compared whole (after
#: :func:`~analysis.io.table.alnum_key`), that no stem of the type table covers: Strava's
#: default titles say "Ride" for a bike ride ("Afternoon Ride"), where activity types say cycling.
NAME_NOT_RUN_WORDS: frozenset[str] = frozenset({"ride", "rides", "radfahren", "radsport"})
#: Beginnings of words naming another sport in a name, beyond the type table's stems: the ride and walk words
#: of the languages the table knows (Zepp names a workout in the phone's language: "Ciclismo", "Fietsen",
#: "Marche", "Gehen", "Spacer"). Compared as the start of a word (after alnum_key).
NAME_NOT_RUN_STEMS: tuple[str, ...] = ("cicl", "velo", "fiets", "rower", "bisiklet", "marche", "camin",
                                       "gehen", "spacer", "wandel", "fahrrad")
#: A type-table stem this short ("ski", "rad", "row", "hik") begins too many other words of a title
#: ("Skidaway", "Radstadt", "Rowntree"): in a name it counts only at the start of a word at most
#: :data:`SHORT_STEM_SLACK` letters longer than itself ("Skiing", "Rowing", "Hiking").
SHORT_STEM_LETTERS = 3
SHORT_STEM_SLACK = 3
#: At most this many words of a name are looked at (a title is a few words; a pasted note is not).
MAX_NAME_WORDS = 12
_NAME_SPLIT = re.compile(r"[\s\-\u2010-\u2015_/\\,;:&+()\[\]|.!?\"]+")


def classify_activity_name(value: object) -> tuple[str | None, str, str]:
    """Sport named by an activity's free-text name (a track's title), matched by whole words.

    A type field holds a sport and nothing else, so :func:`classify_activity_type` may find a
    stem anywhere in it. A name is free text ("Paradise loop", "Radweg to the lake"), where a
    stem inside a word means nothing: here the name is cut into words (at spaces, hyphens,
    slashes and punctuation) and

    * a run is a sequence of consecutive words that is, whole, a running type of
      :data:`RUN_TYPE_ALIASES` ("Running", "Trail Running", "Course à pied", "Treadmill"), or a
      running stem standing as a word of its own ("Run", "Lauf", "Jog", "Bieg"); the longest
      such span decides the sport ("Indoor Running" is treadmill running). A word that only
      begins with a running stem is not enough ("Runde", a round, is often walked);
    * another sport is a word that begins with a not-running stem of the table ("Cycling",
      "Radfahren", "Walking", "Swimming", "Hiking", "Skiing", "Rowing"; "rowerze", Polish for
      "(on a) bicycle", begins with the table's "row"), never one holding it inside ("Paradise"
      has no "rad"), or a word of :data:`NAME_NOT_RUN_WORDS` ("Ride").

    Compared case-, accent- and punctuation-insensitively, as the type table is. Limits: a
    compound word that ends in a sport ("Mountainbike", "Rennrad") is not recognised; a name
    written without spaces (Chinese, Japanese, Thai) is matched only when it is, whole, a type of
    the table ("跑步"); a stem of three letters or fewer ("ski", "rad", "row", "hik") counts only
    at the start of a word at most :data:`SHORT_STEM_SLACK` letters longer ("Skiing", "Rowing",
    "Radeln"; not "Skidaway", "Rowntree", nor "Radtour"), and a short word that happens to begin
    with one ("Radio") or a longer one with a longer stem ("Walker Park" with "walk") is taken for
    that sport. The ride and walk words of :data:`NAME_NOT_RUN_STEMS` count as well. Only the first
    :data:`MAX_NAME_WORDS` words are looked at.

    Parameters
    ----------
    value : str
        The name, e.g. "Outdoor Running", "Jazda na rowerze", "Afternoon Ride".

    Returns
    -------
    sport : str or None
        A canonical run sport when the name names a run and nothing else, else None.
    how : str
        ``"table"`` (a running type of the table), ``"keyword"`` (a running stem as a word),
        ``"not_run"`` (another sport and no run), ``"mixed"`` (both a run and another sport:
        undecided) or ``""`` (no sport recognised).
    words : str
        The words that decided, as written in the name ("Trail Running", "rowerze",
        "Run / Bike" when mixed); "" when none did.
    """
    pieces = [piece for piece in _NAME_SPLIT.split(str(value)) if alnum_key(piece)][:MAX_NAME_WORDS]
    keys = [alnum_key(piece) for piece in pieces]
    sport, how, start, length = _run_span(keys)
    run_words = " ".join(pieces[start:start + length])
    other = next((piece for i, (piece, key) in enumerate(zip(pieces, keys, strict=True))
                  if not start <= i < start + length and _names_another_sport(key)), None)
    if sport is not None and other is not None:
        return None, "mixed", f"{run_words} / {other}"
    if sport is not None:
        return sport, how, run_words
    if other is not None:
        return None, "not_run", other
    return None, "", ""


_RUN_STEM_KEYS = frozenset(_RUN_STEMS_N)
_NAME_NOT_RUN_STEMS_N = tuple(alnum_key(s) for s in NAME_NOT_RUN_STEMS)


def _names_another_sport(key: str) -> bool:
    """Whether a word of a name (its alnum_key) names a sport that is not a run (see :func:`classify_activity_name`)."""
    if key in NAME_NOT_RUN_WORDS or key.startswith(_NAME_NOT_RUN_STEMS_N):
        return True
    return any(
        key.startswith(stem) and (len(stem) > SHORT_STEM_LETTERS or len(key) <= len(stem) + SHORT_STEM_SLACK)
        for stem in _NOT_RUN_STEMS_N
    )


def _run_span(keys: list[str]) -> tuple[str | None, str, int, int]:
    """(sport, how, first word, number of words) of the longest span of words naming a run; (None, "", 0, 0)."""
    for length in range(len(keys), 0, -1):
        for start in range(len(keys) - length + 1):
            joined = "".join(keys[start:start + length])
            if joined in _RUN_LOOKUP:
                return _RUN_LOOKUP[joined], "table", start, length
            if joined in _RUN_STEM_KEYS:
                return "running", "keyword", start, length
    return None, "", 0, 0
