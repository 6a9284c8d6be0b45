"""export_many on a real dask.distributed cluster: two worker processes, the same dataset.

The cluster is a ``LocalCluster`` of two processes, one thread each: the tasks run in other
interpreters than the test's, as on a cluster of machines sharing a file system.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from fleet import FLEET, digests, read_table, write_fleet
from rtmsg import analytics, cli


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    # More captures than the cluster has threads, some of them split across two days.
    plans = [
        dataclasses.replace(plan, name=f"{plan.name}-{n}", start=plan.start + n * 43_200)
        for n in range(3)
        for plan in FLEET
    ]
    return write_fleet(tmp_path_factory.mktemp("captures"), tuple(plans))


def test_the_cluster_makes_the_dataset_one_process_makes(
    client: Client, captures: list[Path], tmp_path: Path
) -> None:
    local = analytics.export(captures, tmp_path / "local")
    seen: list[int] = []
    distributed = analytics.export_many(
        captures, tmp_path / "cluster", client, max_in_flight=3, on_progress=seen.append
    )
    assert len(client.nthreads()) == 2
    assert digests(tmp_path / "cluster") == digests(tmp_path / "local")
    for table in ("events", "sessions"):
        cluster_rows = read_table(tmp_path / "cluster", table).to_pylist()
        assert cluster_rows == read_table(tmp_path / "local", table).to_pylist()
    assert [c.session for c in distributed.captures] == [c.session for c in local.captures]
    assert [c.files for c in distributed.captures] == [c.files for c in local.captures]
    assert distributed.rows == local.rows
    assert distributed.invalid == local.invalid
    assert seen[-1] == sum(path.stat().st_size for path in captures)
    assert len(seen) == len(captures)


def test_the_command_runs_on_a_scheduler(
    client: Client, captures: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    analytics.export(captures, tmp_path / "local")
    address = str(client.scheduler_info()["address"])
    out = tmp_path / "cluster"
    assert cli.main(["export", "--scheduler", address, "--out", str(out), *map(str, captures)]) == 0
    assert f"{len(captures)} captures" in capsys.readouterr().out
    assert digests(out) == digests(tmp_path / "local")


def test_a_capture_that_cannot_be_read_fails_the_export(
    client: Client, captures: list[Path], tmp_path: Path
) -> None:
    missing = tmp_path / "gone.jsonl"
    with pytest.raises(FileNotFoundError):
        analytics.export_many([*captures[:3], missing], tmp_path / "out", client)


def test_two_captures_of_one_session_are_refused_before_any_task(
    client: Client, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="both hold session"):
        analytics.export_many(["a/s.jsonl", "b/s.jsonl"], tmp_path / "out", client)
    assert not (tmp_path / "out").exists()


def test_local_workers_from_the_command(
    captures: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    analytics.export(captures[:2], tmp_path / "local")
    out = tmp_path / "workers"
    assert cli.main(["export", "--workers", "1", "--out", str(out), *map(str, captures[:2])]) == 0
    assert digests(out) == digests(tmp_path / "local")


def test_relative_paths_make_the_same_dataset_and_summary_as_one_process(
    client: Client,
    captures: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    here = captures[0].parent
    monkeypatch.chdir(here)
    names = [path.name for path in captures[:4]]
    rel = os.path.relpath(tmp_path, here)
    address = str(client.scheduler_info()["address"])
    summaries = []
    for n, where in enumerate(([], ["--scheduler", address])):
        assert cli.main(["export", *where, "--out", f"{rel}/d{n}", *names]) == 0
        summaries.append(capsys.readouterr().out.replace(f"{rel}/d{n}:", "OUT:"))
    assert summaries[0] == summaries[1]
    assert summaries[0].startswith("OUT: 4 captures")
    assert digests(tmp_path / "d1") == digests(tmp_path / "d0")
    files = [row["file"] for row in read_table(tmp_path / "d1", "sessions").to_pylist()]
    assert sorted(files) == sorted(names)
    report = analytics.export_many(names, f"{rel}/d2", client)
    assert [capture.path for capture in report.captures] == names
    assert report.out == f"{rel}/d2"
