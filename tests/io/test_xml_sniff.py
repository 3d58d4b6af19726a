from analysis.io import gpx, tcx
from analysis.io.xml_sniff import root_name

# the head of a GPX written by Garmin's "TC2 to GPX11" stylesheet (gpxpy's test file
# track-with-empty-segment.gpx has this root): it names the TCX namespace
CONVERTED_GPX = (b'<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
                 b'<gpx xmlns="http://www.topografix.com/GPX/1/1" '
                 b'xmlns:tc2="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" version="1.1">\n'
                 b"<trk><name>2013-07-06</name><trkseg/>")
TCX = (b'<?xml version="1.0"?>\n<!-- written by a watch -->\n'
       b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
       b"<Activities>")


def test_root_is_the_first_element_after_the_prolog():
    assert root_name(CONVERTED_GPX) == "gpx"
    assert root_name(TCX) == "TrainingCenterDatabase"
    assert root_name(b"\xef\xbb\xbf" + TCX) == "TrainingCenterDatabase"
    assert root_name('<?xml version="1.0"?><gpx version="1.1">'.encode("utf-16")) == "gpx"  # with its BOM
    assert root_name(b'<!DOCTYPE gpx>\n<?xml-stylesheet href="a.xsl"?>\n  <g:gpx xmlns:g="x">') == "gpx"
    assert root_name(b"date,km\n2024-01-01,5\n") is None
    assert root_name(b'<?xml version="1.0"?>\n<!-- a comment cut off') is None


def test_a_gpx_naming_the_tcx_namespace_is_gpx_not_tcx():
    assert gpx.sniff(CONVERTED_GPX) and not tcx.sniff(CONVERTED_GPX)
    assert tcx.sniff(TCX) and not gpx.sniff(TCX)
    # a head cut before the root element: the name anywhere in it still decides, as before
    cut = b'<?xml version="1.0"?>\n<!-- exported from TrainingCenterDatabase'
    assert tcx.sniff(cut)


def test_a_doctype_with_an_internal_subset_is_skipped_too():
    # a converted GPX with an internal DTD subset: its root was not found, and the fallback (the TCX name
    # anywhere in the head) took it for TCX, the reader tried first
    head = (b'<?xml version="1.0"?>\n<!DOCTYPE gpx [\n<!ENTITY author "me">\n]>\n'
            + CONVERTED_GPX.split(b"?>\n", 1)[1])
    assert root_name(head) == "gpx"
    assert gpx.sniff(head) and not tcx.sniff(head)
    # a subset cut off by the end of the head: no root, as before
    assert root_name(b'<?xml version="1.0"?>\n<!DOCTYPE gpx [\n<!ENTITY author "me">') is None
