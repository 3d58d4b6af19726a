"""The root element of an XML document, from its first bytes (for telling TCX from GPX).

A GPX file converted from TCX names the TCX namespace in its root element (``<gpx
xmlns:tc2="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" ...>``, written by
Garmin's "TC2 to GPX11" stylesheet), so a search for ``TrainingCenterDatabase`` anywhere in
the head takes it for TCX. The root element's own name decides instead.

Written by hand because the standard library's parsers need the whole document, or at
least a well-formed start that a cut head may not be, and the question is only the first
tag's name: skip a byte-order mark, the XML declaration, processing instructions,
comments, a DOCTYPE and white space, then read ``<prefix:Name``.
"""

from __future__ import annotations

import re

from analysis.io import archive

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))

# what may precede the root element: white space, <?...?>, <!--...-->, <!DOCTYPE ...> (with an internal subset
# [...] too; one holding a "]" in a value is not matched, and the head's text then decides, as when cut)
_PROLOG = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\]\s*)?>)*", re.S)
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


def root_name(head: bytes) -> str | None:
    """The local name of a document's root element (``gpx``, ``TrainingCenterDatabase``), or None.

    Parameters
    ----------
    head : bytes
        The file's first bytes (gzip content is inflated first); UTF-8, or UTF-16 with a byte-order mark.

    Returns
    -------
    str or None
        None when the head is not XML or is cut before the root element.
    """
    head = archive.gunzip_head_if_gzip(head, 64 * 1024)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            head = head[len(bom):]
            if encoding != "utf-8":
                head = head[: len(head) // 2 * 2].decode(encoding, "replace").encode("utf-8")
            break
    start = _PROLOG.match(head).end()
    tag = _TAG.match(head, start)
    return tag.group(1).decode("ascii", "replace") if tag else None
