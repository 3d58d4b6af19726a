"""Tests for analysis.io.foreign: formats runlog does not read are named, from small fixtures written
after real files of Runalyze's and MyTourbook's test folders (their structure, not their bytes)."""

from __future__ import annotations

import pytest

from analysis.io.foreign import describe

MOVESLINK2 = (b'<?xml version="1.0" encoding="utf-8"?>\n<header>\n\t<Duration>107</Duration>\n'
              b"\t<Activity>Laufen</Activity>\n</header>\n<samples>\n\t<sample>\n\t\t<HR>1.77</HR>\n"
              b"\t</sample>\n</samples>\n")
SUUNTO_APP_JSON = (b'{"DeviceLog": {"Header": {"Activity": "Running", "Duration": 3600.0}, "Samples": '
                   b'[{"Attributes": {"suunto/sml": {"Sample": {"HR": 2.1}}}, "TimeISO8601": "2018-09-12T05:42:03+02:00"}]}}')


@pytest.mark.parametrize(
    "head, name, words",
    [
        (b'<?xml version="1.0"?>\n<FitnessWorkbook xmlns="http://www.zonefivesoftware.com/xmlschemas/'
         b'FitnessLogbook/v3"><AthleteLog/></FitnessWorkbook>', "a.fitlog", "SportTracks logbook"),
        (b'<?xml version="1.0"?><sml xmlns="http://www.suunto.com/schemas/sml"><DeviceLog/></sml>', "x.sml",
         "Suunto SML log"),
        (MOVESLINK2, "log.xml", "Suunto Moveslink2 XML log"),
        (SUUNTO_APP_JSON, "1_2_post_timeline-1.json", "Suunto app JSON log"),
        (b"[Params]\r\nVersion=106\r\nMonitor=22\r\n", "12010401.hrm", "Polar HRM file"),
        (b"[[Training]]\n[TrainingResult]\nTrainingName,Hill loop\nFormatType,1\n", "e.csv", "n Epson running watch CSV"),
        (b'<?xml version="1.0"?>\n\n<polar-exercise-data xmlns="http://www.polarpersonaltrainer.com">',
         "p.xml", "Polar Personal Trainer export"),
        (b'<?xml version="1.0"?><pwx xmlns="http://www.peaksware.com/PWX/1/0"><workout/></pwx>', "w.pwx",
         "TrainingPeaks PWX"),
        (b'<?xml version="1.0"?><Activity fileDate="Sun Oct 14 13:19:00 GMT+0200 2012" revision="400">'
         b'<Computer unit="rc1411"/></Activity>', "s.slf", "Sigma Data Center log"),
        (b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>', "r.kml",
         "KML file"),
        (b'<?xml version="1.0" encoding="utf-8"?>\n<RunningAHEADLog version="3.1">\n  <EquipmentCollection>',
         "log.xml", "RunningAHEAD log export"),
    ],
)
def test_known_formats_are_named_with_what_to_give_instead(head, name, words):
    text = describe(head, name)
    assert text is not None and text.startswith(f"a{'' if words.startswith('n ') else ' '}{words}")
    assert "runlog does not read it" in text


#: a Google gx:Track placemark (as Google Earth and My Tracks write it): times in <when>, positions in <gx:coord>
GX_TRACK = (b'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2" '
            b'xmlns:gx="http://www.google.com/kml/ext/2.2">\n<Document><Placemark><name>Morning run</name>\n'
            b"<gx:Track><when>2024-05-01T06:00:00Z</when><when>2024-05-01T06:00:05Z</when>\n"
            b"<gx:coord>8.5417 47.3769 408</gx:coord><gx:coord>8.5418 47.3770 408</gx:coord></gx:Track>\n"
            b"</Placemark></Document></kml>\n")


def test_a_kml_track_with_times_is_not_said_to_have_none():
    """A gx:Track KML carries a time per point (<when>): the message must not claim KML has no times,
    and says what to give instead."""
    text = describe(GX_TRACK, "run.kml")
    assert text is not None and text.startswith("a KML file")
    assert "no times" not in text
    assert "runlog does not read it" in text and "GPX, TCX or FIT" in text


@pytest.mark.parametrize(
    "head",
    [
        b'<?xml version="1.0"?><gpx version="1.1"><trk/></gpx>',
        b'<?xml version="1.0"?><TrainingCenterDatabase><Activities/></TrainingCenterDatabase>',
        b'<?xml version="1.0"?><header><title>a web page</title></header>',  # a <header> without <samples>
        b'<?xml version="1.0"?><Activity><Name>not Sigma</Name></Activity>',
        b'{"exportVersion": "1.0", "name": "Polar training session"}',
        b'[{"logId": 1, "activityName": "Run"}]',
        b"date,distance_m\n2024-01-01,5000\n",
        b"",
    ],
)
def test_other_content_is_not_claimed(head):
    assert describe(head, "file") is None
