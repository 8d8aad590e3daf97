"""The answer store: durable, atomic, backed up, merge-safe, migrating, loud about damage."""
from __future__ import annotations

import json
import multiprocessing
import os
import stat

import pytest

from llc_exercises import AnswerStore
from llc_exercises.core.schema import AnswerValueError
from llc_exercises.core.store import AnswerFileError, backup_path

WHY = "visioning.core_beliefs.why"
VISION = "visioning.mission_vision.vision"
ROWS = "visioning.strategic_plan.rows"


def on_disk(store):
    return json.loads(store.path.read_text(encoding="utf-8"))


def test_set_is_on_disk_when_it_returns(store):
    store.set(WHY, "Because every student deserves a library.")
    doc = on_disk(store)
    assert doc["schema_version"] == 2
    assert doc["participant"]["id"] == "p1"
    assert doc["answers"][WHY]["value"] == "Because every student deserves a library."
    assert doc["answers"][WHY]["updated"].endswith("+00:00")
    assert store.get(WHY) == "Because every student deserves a library."


def test_mapping_interface_and_iteration(store):
    store.set(WHY, "a")
    store.set(VISION, "b")
    assert set(store) == {WHY, VISION}
    assert dict(store.items()) == {WHY: "a", VISION: "b"}
    assert len(store) == 2
    assert store.get("visioning.core_beliefs.what_i_do") is None


def test_file_is_private_to_the_participant(store):
    store.set(WHY, "x")
    assert stat.S_IMODE(store.path.stat().st_mode) & 0o077 == 0


def test_every_write_keeps_the_previous_version_as_backup(store):
    store.set(WHY, "first")
    store.set(WHY, "second")
    assert json.loads(backup_path(store.path).read_text())["answers"][WHY]["value"] == "first"
    assert on_disk(store)["answers"][WHY]["value"] == "second"


def test_wrong_value_raises_and_writes_nothing(store):
    store.set("visioning.strategic_plan.budget", 500)
    before = store.path.read_bytes()
    with pytest.raises(AnswerValueError, match=r"visioning\.strategic_plan\.budget.*number"):
        store.set("visioning.strategic_plan.budget", "lots")
    with pytest.raises(AnswerValueError, match="row 1 column 'cost'"):
        store.set(ROWS, [{"goal": "x", "cost": -5}])
    with pytest.raises(KeyError, match="llc schema"):
        store.set("visioning.nope.nothing", "x")
    assert store.path.read_bytes() == before


def test_crash_during_write_leaves_old_file_intact(store, monkeypatch):
    store.set(WHY, "safe")
    before = store.path.read_bytes()

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        store.set(WHY, "lost")
    monkeypatch.undo()
    assert store.path.read_bytes() == before
    leftovers = [p for p in store.path.parent.iterdir() if p.suffix == ".tmp"]
    assert leftovers == []


def test_corrupt_file_is_reported_with_backup_and_never_overwritten(store):
    store.set(WHY, "good")
    store.set(VISION, "also good")
    store.path.write_text('{"schema_version": 2, "answers": {', encoding="utf-8")
    damaged = store.path.read_bytes()
    fresh = AnswerStore(store.path)
    with pytest.raises(AnswerFileError) as err:
        fresh.set(WHY, "new")
    msg = str(err.value)
    assert str(store.path) in msg and str(backup_path(store.path)) in msg
    assert "Nothing was overwritten" in msg
    assert store.path.read_bytes() == damaged
    with pytest.raises(AnswerFileError):
        fresh.get(WHY)
    # and the documented way back works
    kept = fresh.restore_backup()
    assert kept.read_bytes() == damaged
    assert AnswerStore(store.path).get(WHY) == "good"


def test_missing_file_reads_as_empty_and_is_created_on_first_write(tmp_path):
    s = AnswerStore(tmp_path / "new" / "x.json", participant={"id": "x"})
    assert dict(s) == {}
    s.set(WHY, "hi")
    assert (tmp_path / "new" / "x.json").exists()


def test_older_schema_version_is_migrated_not_rejected(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"schema_version": 1, "participant": {"id": "old"},
                                "answers": {WHY: "from v1", ROWS: [{"goal": "G"}]}}))
    s = AnswerStore(path)
    assert s.get(WHY) == "from v1"
    assert s.get(ROWS) == [{"goal": "G"}]
    assert s.updated(WHY)  # migration supplies an update time
    s.set(VISION, "new")
    doc = json.loads(path.read_text())
    assert doc["schema_version"] == 2
    assert doc["answers"][WHY] == {"value": "from v1", "updated": s.updated(WHY)}
    assert json.loads(backup_path(path).read_text())["schema_version"] == 1  # original kept


def test_newer_schema_version_is_refused_without_touching_the_file(tmp_path):
    path = tmp_path / "future.json"
    path.write_text(json.dumps({"schema_version": 99, "participant": {}, "answers": {}}))
    with pytest.raises(AnswerFileError, match=r"newer version of the kit \(schema_version 99; this kit reads up to"):
        AnswerStore(path).set(WHY, "x")
    assert json.loads(path.read_text())["schema_version"] == 99


def test_two_store_objects_on_one_file_merge_by_key(tmp_path):
    path = tmp_path / "p.json"
    a, b = AnswerStore(path), AnswerStore(path)
    a.set(WHY, "from notebook A")
    b.set(VISION, "from notebook B")  # b never read A's write: it must re-read, not clobber
    fresh = AnswerStore(path)
    assert fresh.get(WHY) == "from notebook A" and fresh.get(VISION) == "from notebook B"
    assert a.get(VISION) == "from notebook B"  # readers notice other writers


def _writer(path, keys, n):
    s = AnswerStore(path)
    for i in range(n):
        for k in keys:
            s.set(k, f"{k} #{i}")


def test_concurrent_writers_in_separate_processes_lose_nothing(tmp_path):
    path = tmp_path / "shared.json"
    groups = [
        ["visioning.core_beliefs.what_i_do", "visioning.core_beliefs.why"],
        ["visioning.mission_vision.vision", "visioning.mission_vision.mission"],
        ["visioning.soar_swot.strengths", "visioning.soar_swot.opportunities"],
    ]
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, g, 25)) for g in groups]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    final = AnswerStore(path)
    for g in groups:
        for k in g:
            assert final.get(k) == f"{k} #24"
