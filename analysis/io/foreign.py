"""Activity formats runlog does not read, named from a file's first bytes for the import log.

Other tools' test folders hold files of training programs and watches that runlog has no reader
for (Runalyze's ``tests/testfiles``, MyTourbook's import tests): SportTracks logbooks, Suunto's
logs, Polar Personal Trainer and Polar HRM files, TrainingPeaks PWX, Sigma Data Center, KML
files (paths, or gx:Track tracks with times), a RunningAHEAD log, Epson's watch CSV. Such a file failed as "XML that is neither TCX, GPX nor an Apple
Health export.xml", and a Suunto app JSON (a run) was logged as "not a run". :func:`describe`
names the format and what to give instead, so the log says something a runner can act on.
"""

from __future__ import annotations

import re

from analysis.io import xml_sniff

#: what to give instead, for a watch's own log (its maker's app or program exports these)
_WATCH_EXPORT = "give the activity's FIT, TCX or GPX export instead"

#: XML root element (local name, lower case) -> the format's name and what to do instead.
XML_ROOTS: dict[str, str] = {
    "fitnessworkbook": "a SportTracks logbook (.fitlog): runlog does not read it; export the activities "
                       "from SportTracks as TCX or GPX",
    "sml": f"a Suunto SML log (Moveslink, Ambit/Spartan): runlog does not read it; {_WATCH_EXPORT}",
    "pwx": f"a TrainingPeaks PWX file: runlog does not read it; {_WATCH_EXPORT}",
    "kml": "a KML file (Google Earth, Google Maps, My Tracks): runlog does not read it, even a track with "
           "times (gx:Track <when>); export the activity as GPX, TCX or FIT from the app that recorded it",
    "runningaheadlog": "a RunningAHEAD log export (runs with their shoes): runlog does not read it; give the "
                       "runs as a generic CSV (start_time, distance_m, gear_name, ...)",
    "polar-exercise-data": f"a Polar Personal Trainer export (.xml): runlog does not read it; {_WATCH_EXPORT}",
}

#: Suunto Moveslink2's ``.xml`` is two top-level elements, ``<header>`` then ``<samples>``
_MOVESLINK2 = re.compile(rb"<samples\b", re.I)
#: Sigma Data Center's ``.slf``: root ``<Activity fileDate=...>`` with a ``<Computer unit=...>``
_SIGMA = re.compile(rb"<Activity\b[^>]*\bfileDate=|<Computer\b[^>]*\bunit=", re.I)
#: the Suunto app's JSON log (``<id>_<serial>_post_timeline-1.json(.gz)``): a DeviceLog with Samples,
#: in SI units (heart rate in Hz, positions in radians)
_SUUNTO_JSON = re.compile(rb'"DeviceLog"\s*:|"Samples"\s*:\s*\[\s*\{\s*"Attributes"\s*:\s*\{\s*"suunto/', re.S)


def describe(head: bytes, name: str = "") -> str | None:
    """Name a known activity format runlog does not read, from the file's first bytes; else None.

    Parameters
    ----------
    head : bytes
        The file's first bytes (gzip content already inflated).
    name : str, optional
        The file name (``.hrm`` helps tell a Polar HRM file).

    Returns
    -------
    str or None
        A sentence for the import log: which format, and what to give instead. None when the
        head is none of :data:`XML_ROOTS`, a Suunto Moveslink2 XML, a Sigma Data Center log, a
        Suunto app JSON log, a Polar HRM file or an Epson watch CSV.
    """
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:8].lower() == b"[params]" or (name.lower().endswith(".hrm") and b"[HRData]" in head):
        return f"a Polar HRM file (Polar ProTrainer): runlog does not read it; {_WATCH_EXPORT}"
    if text[:12].lower() == b"[[training]]":  # Epson's NeoRun / Run Connect CSV: [[Training]], [TrainingResult], ...
        return f"an Epson running watch CSV (NeoRun/Run Connect): runlog does not read it; {_WATCH_EXPORT}"
    if text.startswith((b"{", b"[")):
        if _SUUNTO_JSON.search(head[:65536]):
            return ("a Suunto app JSON log (Suunto 9/Spartan, SI units): runlog does not read it; "
                    f"{_WATCH_EXPORT}")
        return None
    root = xml_sniff.root_name(head)
    if root is None:
        return None
    known = XML_ROOTS.get(root.lower())
    if known is not None:
        return known
    if root.lower() == "header" and _MOVESLINK2.search(head):
        return f"a Suunto Moveslink2 XML log (Ambit): runlog does not read it; {_WATCH_EXPORT}"
    if root == "Activity" and _SIGMA.search(head[:4096]):
        return f"a Sigma Data Center log (.slf): runlog does not read it; {_WATCH_EXPORT}"
    return None
