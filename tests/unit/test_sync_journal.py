"""The sync journal on disk: a line per step, a line cut off by a crash, a rerun that changes
nothing, and a journal of the old form (one JSON object) carried over."""

from __future__ import annotations

import json
from pathlib import Path

from modelyard.core.actions.sync_journal import Journal


def test_steps_survive_a_line_cut_off_by_a_crash(tmp_path: Path) -> None:
    journal = Journal("http://a", "http://b", tmp_path)
    journal.note("m/1→m", state="copying", run="r1")
    journal.note("m/1→m", files="mlflow-artifacts:/1/r1/artifacts")
    journal.close()
    with open(journal.path, "a", encoding="utf-8") as out:
        out.write('{"key": "m/1→m", "state": "do')  # killed in the middle of a step
    again = Journal("http://a", "http://b", tmp_path)
    assert again.get("m/1→m") == {
        "state": "copying",
        "run": "r1",
        "files": "mlflow-artifacts:/1/r1/artifacts",
    }
    again.note("m/1→m", state="done", target_version="1")  # after the compaction: a clean file
    again.close()
    assert Journal("http://a", "http://b", tmp_path).get("m/1→m")["state"] == "done"
    assert all(json.loads(line) for line in journal.path.read_text().splitlines())


def test_a_step_that_changes_nothing_writes_nothing(tmp_path: Path) -> None:
    journal = Journal("http://a", "http://b", tmp_path)
    journal.note("m/1→m", state="done", target_version="1")
    journal.close()
    before = journal.path.read_bytes()
    rerun = Journal("http://a", "http://b", tmp_path)
    rerun.note("m/1→m", state="done", target_version="1")
    rerun.close()
    assert journal.path.read_bytes() == before


def test_a_journal_of_the_old_form_is_carried_over(tmp_path: Path) -> None:
    journal = Journal("http://a", "http://b", tmp_path)
    old = journal.path.with_suffix(".json")
    old.write_text(json.dumps({"items": {"m/2→m": {"state": "copying", "run": "r2"}}}))
    carried = Journal("http://a", "http://b", tmp_path)
    assert carried.get("m/2→m") == {"state": "copying", "run": "r2"}
    carried.note("m/2→m", state="done")
    carried.close()
    assert not old.exists()
    assert Journal("http://a", "http://b", tmp_path).get("m/2→m") == {
        "state": "done",
        "run": "r2",
    }
