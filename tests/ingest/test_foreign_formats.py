"""The loader names activity formats it does not read (analysis.io.foreign) in the import log."""

import gzip

import pytest

from analysis.errors import RunlogError
from analysis.ingest.loader import read_sources

SUUNTO_APP_JSON = (b'{"DeviceLog": {"Header": {"Activity": "Running", "Duration": 3600.0}, "Samples": '
                   b'[{"Attributes": {"suunto/sml": {"Sample": {"HR": 2.1}}}, "TimeISO8601": "2018-09-12T05:42:03+02:00"}]}}')
FITLOG = (b'<?xml version="1.0" encoding="utf-8"?>\n<FitnessWorkbook xmlns="http://www.zonefivesoftware.com/'
          b'xmlschemas/FitnessLogbook/v3"><AthleteLog><Activity StartTime="2012-05-19T07:41:14Z">'
          b'<Category Name="Running"/></Activity></AthleteLog></FitnessWorkbook>')


def test_a_suunto_app_json_run_fails_with_its_name_and_is_not_called_not_a_run(tmp_path):
    """MyTourbook's Suunto 9 test files (*_post_timeline-1.json.gz) were logged "not_a_run" as JSON
    of no known export: they are runs, in a format runlog does not read."""
    (tmp_path / "1536723722706_183010004848_post_timeline-1.json.gz").write_bytes(gzip.compress(SUUNTO_APP_JSON))
    (tmp_path / "other.json").write_bytes(b'{"something": "else"}')
    res = read_sources([tmp_path], progress=False, workers=1)
    log = res.log.sort_values("source_file").reset_index(drop=True)
    assert list(log["status"]) == ["failed", "not_a_run"]
    assert log["reason"].iloc[0].startswith("a Suunto app JSON log")
    assert "FIT, TCX or GPX" in log["reason"].iloc[0]


def test_a_sporttracks_logbook_named_alone_fails_with_one_line_naming_it(tmp_path):
    path = tmp_path / "history.fitlog"
    path.write_bytes(FITLOG)
    with pytest.raises(RunlogError, match="a SportTracks logbook .*export the activities from SportTracks"):
        read_sources([path])
