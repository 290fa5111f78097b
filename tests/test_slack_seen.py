"""Retried Slack events are recognised across worker processes (a shared SQLite file), and in memory when
that file cannot be opened."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.slack.app import SeenEvents


def test_two_workers_share_what_they_have_seen(tmp_path: Path) -> None:
    one, two = SeenEvents(tmp_path / "seen.db"), SeenEvents(tmp_path / "seen.db")
    assert one.first("event:Ev1")
    assert not two.first("event:Ev1"), "the retry reached the other worker"
    assert two.first("event:Ev2") and not one.first("event:Ev2")
    one.close()
    two.close()


@pytest.mark.parametrize("in_file", [True, False], ids=["file", "memory"])
def test_a_key_is_new_again_after_its_time_to_live(tmp_path: Path, in_file: bool) -> None:
    seen = SeenEvents(tmp_path / "seen.db" if in_file else None, ttl_seconds=3600)
    assert seen.first("k", now=1000.0)
    assert not seen.first("k", now=1000.0 + 3599)
    assert seen.first("k", now=1000.0 + 3601)
    assert not seen.first("k", now=1000.0 + 3602)
    seen.close()


def test_a_file_that_cannot_be_opened_falls_back_to_memory(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    seen = SeenEvents(tmp_path)  # a folder, not a database file
    assert seen.first("k") and not seen.first("k")
    assert "keeps to this process" in caplog.text
