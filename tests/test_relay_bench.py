"""The relay benchmark's harness: /proc reading, the maths, the targets, the report, the processes.

Nothing here asserts a speed. The tests check that CPU time and ports are read as the kernel
gives them, that figures and ratios are the documented medians, that each target is judged
(or not) as documented, that the report and the README block say what the results hold, and
that every process the harness starts is gone when it is done, however it ends.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from bench.relay import frames, harness, procstat, report
from bench.relay.processes import Channel, ChildError, Children

ROOT = Path(__file__).resolve().parent.parent
TIMES = "\N{MULTIPLICATION SIGN}"  # the report writes a ratio as 1.20 and this sign

# --- /proc ---------------------------------------------------------------------------------


def stat_line(name: str, utime: int, stime: int) -> str:
    # pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    return f"4242 ({name}) S 1 4242 4242 0 -1 4194560 1200 0 3 0 {utime} {stime} 7 9 20 0 1 0\n"


@pytest.mark.parametrize("name", ["python", "a b) c (d", ") S 1 2 3", ""])
def test_parse_stat_counts_fields_from_the_last_parenthesis(name: str) -> None:
    assert procstat.parse_stat(stat_line(name, 250, 75)) == 325


@pytest.mark.parametrize("text", ["", "4242 python S 1", "4242 (x) S 1 2 3", "1 (x) " + "z " * 20])
def test_parse_stat_refuses_what_is_not_a_stat_line(text: str) -> None:
    with pytest.raises(procstat.ProcError, match="not a /proc stat line"):
        procstat.parse_stat(text)


def test_cpu_seconds_reads_a_fake_proc_with_children(tmp_path: Path) -> None:
    def process(pid: int, utime: int, stime: int, children: list[int]) -> None:
        task = tmp_path / str(pid) / "task" / str(pid)
        task.mkdir(parents=True)
        (tmp_path / str(pid) / "stat").write_text(stat_line("p", utime, stime))
        (task / "children").write_text(" ".join(map(str, children)))

    process(10, 100, 50, [11])
    process(11, 30, 20, [12])
    process(12, 5, 5, [])
    clock = procstat.CLOCK_TICKS
    assert procstat.descendants(10, tmp_path) == [11, 12]
    assert procstat.cpu_seconds(10, proc=tmp_path) == pytest.approx(210 / clock)
    assert procstat.cpu_seconds(10, children=False, proc=tmp_path) == pytest.approx(150 / clock)
    with pytest.raises(procstat.ProcError, match="process 99 is gone"):
        procstat.cpu_seconds(99, proc=tmp_path)
    (tmp_path / "10" / "task" / "13").mkdir()
    (tmp_path / "10" / "task" / "10" / "stat").write_text(stat_line("p", 60, 40))
    (tmp_path / "10" / "task" / "13" / "stat").write_text(stat_line("p", 30, 20))
    assert procstat.thread_cpu_seconds(10, proc=tmp_path) == pytest.approx(100 / clock)
    assert procstat.thread_cpu_seconds(10, 13, proc=tmp_path) == pytest.approx(50 / clock)
    with pytest.raises(procstat.ProcError, match="thread 14 of process 10 is gone"):
        procstat.thread_cpu_seconds(10, 14, proc=tmp_path)


BURNER = textwrap.dedent(
    """
    import subprocess, sys, threading, time

    def burn(seconds):
        end = time.thread_time() + seconds
        while time.thread_time() < end:
            pass

    if sys.argv[1] == "child":
        burn(0.3)
        print("burnt", flush=True)
        time.sleep(60)
    else:
        child = subprocess.Popen([sys.executable, __file__, "child"], stdout=subprocess.PIPE)
        thread = threading.Thread(target=burn, args=(0.4,))
        thread.start()
        thread.join()
        child.stdout.readline()
        print("burnt", flush=True)
        time.sleep(60)
    """
)


def test_cpu_seconds_counts_threads_and_the_processes_it_started(tmp_path: Path) -> None:
    # The main thread only sleeps: its time is another thread's (0.4 s) and a child's (0.3 s).
    script = tmp_path / "burner.py"
    script.write_text(BURNER)
    with Children(tmp_path) as children:
        child = children.start("burner", ["python", str(script), "parent"], commands=True)
        assert child.popen.stdout is not None
        assert child.popen.stdout.readline() == b"burnt\n"
        alone = procstat.cpu_seconds(child.pid, children=False)
        total = procstat.cpu_seconds(child.pid)
        main = procstat.thread_cpu_seconds(child.pid)
        kids = procstat.descendants(child.pid)
    assert alone >= 0.38  # one tick of rounding at most
    assert main < 0.2  # the main thread started Python and slept: the burning was not its
    assert total - alone >= 0.28
    assert len(kids) == 1
    assert all_gone([child.pid, *kids])  # the child it started too


def test_parse_listening_keeps_the_listening_sockets_of_the_process() -> None:
    tail = "00000000:00000000 00:00000000 00000000     0        0"
    lines = [
        f"   0: 0100007F:1F90 00000000:0000 0A {tail} 111 1",
        f"   1: 0100007F:1F91 00000000:0000 0A {tail} 222 1",
        f"   2: 0100007F:C350 0100007F:1F90 01 {tail} 111 1",  # connected, not listening
        "garbage",
    ]
    assert list(procstat.parse_listening(lines, {"111"})) == [0x1F90]
    assert list(procstat.parse_listening(lines, {"111", "222"})) == [0x1F90, 0x1F91]
    assert list(procstat.parse_listening(lines, {"333"})) == []


def test_listening_ports_finds_a_port_the_os_chose() -> None:
    with socket.socket() as server, socket.socket() as idle:
        server.bind(("127.0.0.1", 0))
        server.listen()
        idle.bind(("127.0.0.1", 0))  # bound, not listening
        assert procstat.listening_ports(os.getpid()) == [server.getsockname()[1]]


# --- maths ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1.0, 2.0, 3.0, 4.0], 50, 2.0),
        ([1.0, 2.0, 3.0, 4.0], 75, 3.0),
        ([1.0, 2.0, 3.0, 4.0], 100, 4.0),
        ([7.0], 99, 7.0),
        ([float(v) for v in range(1, 101)], 99, 99.0),
        ([float(v) for v in range(1, 1001)], 99, 990.0),
        ([float(v) for v in range(1, 1001)], 99.5, 995.0),
        ([], 50, None),
    ],
)
def test_percentile_is_the_nearest_rank(values: list[float], q: float, expected: float) -> None:
    assert report.percentile(values, q) == expected


def test_percentile_refuses_a_rank_outside_the_range() -> None:
    with pytest.raises(ValueError, match="percentile"):
        report.percentile([1.0], 0)


def test_rtt_summary_counts_lost_answers_as_late_and_slowest() -> None:
    rtts = [500, 1_000, 99_000, 100_000, 100_001, 250_000] + [-1] * 4  # µs; -1: never answered
    summary = harness.rtt_summary(rtts, deadline_ms=100.0)
    assert summary["count"] == 10
    assert summary["answered"] == 6
    assert summary["in_time"] == 4  # 100.000 ms is in time, 100.001 ms is not
    assert summary["p50_ms"] == 100.001  # the 5th of 10
    assert summary["p99_ms"] is None  # among the lost ones: no finite value
    assert harness.rtt_summary([2_000] * 99 + [40_000], 100.0)["p99_ms"] == 2.0


def test_rotations_interleave_every_relay_in_every_pass() -> None:
    orders = list(harness.rotations(["a", "b", "c"], 4))
    assert orders == [
        (1, ["a", "b", "c"]),
        (2, ["b", "c", "a"]),
        (3, ["c", "a", "b"]),
        (4, ["a", "b", "c"]),
    ]


def test_figures_count_frames_at_the_sink_and_the_clients() -> None:
    first = harness.Mark(
        10.0,
        {"relay": 1.0, "sink": 2.0, "worker0": 3.0, "worker1": 4.0},
        {"t": 10.0, "received": 100},
        [
            {"t": 10.0, "sent": 10, "received": 20, "sessions": 1, "skipped": 0},
            {"t": 10.0, "sent": 5, "received": 6, "sessions": 2, "skipped": 0},
        ],
    )
    last = harness.Mark(
        12.0,
        {"relay": 1.5, "sink": 2.2, "worker0": 3.1, "worker1": 4.3},
        {"t": 12.0, "received": 1100},
        [
            {"t": 12.0, "sent": 510, "received": 520, "sessions": 4, "skipped": 1},
            {"t": 12.0, "sent": 505, "received": 506, "sessions": 2, "skipped": 2},
        ],
    )
    voice = harness.Workload("voice-4", "4 voice sessions", 4, {}, 0.0, 2.0, voice=True)
    stops = [{"rtt_us": [1_000, -1], "errors": ["x"]}, {"rtt_us": [3_000], "errors": ["x"]}]
    figures = harness._figures(voice, harness.FULL, first, last, stops, 0.25)
    assert figures["frames"] == 1000 + 1000  # the sink's requests and the clients' answers
    assert figures["relay_cpu_s"] == pytest.approx(0.5)
    assert figures["load_cpu_s"] == pytest.approx(0.4)
    assert figures["sessions"] == 3
    assert figures["skipped"] == 3
    assert figures["window_s"] == 2.0
    assert figures["mark_skew_s"] == 0.0
    assert figures["nominal"] == 4 * 50 * 2.0
    assert figures["rtt"]["count"] == 3
    assert figures["rtt"]["answered"] == 2
    assert figures["errors"] == ["x"]
    assert report.us_per_frame(figures) == pytest.approx(250.0)


def test_settled_figures_count_until_the_relay_is_idle() -> None:
    first = harness.Mark(
        10.0,
        {"relay": 1.0, "sink": 2.0, "worker0": 3.0},
        {"t": 10.0, "received": 100},
        [{"t": 10.0, "sent": 0, "received": 40, "sessions": 0, "skipped": 0}],
    )
    settled = harness.Mark(14.5, {"relay": 1.9, "sink": 2.5, "worker0": 3.3}, {"received": 700}, [])
    stops = [{"received": 640, "sent": 650}]
    figures = harness._settled_figures(first, settled, stops)["settled"]
    assert figures["frames"] == 600 + 600
    assert figures["relay_cpu_s"] == pytest.approx(0.9)
    assert figures["s"] == 4.5
    assert figures["idle"] is True
    run = {"relay_cpu_s": 0.3, "frames": 1000, "settled": figures}
    assert report.settled_us_per_frame(run) == pytest.approx(750.0)
    assert report.settled_us_per_frame({"relay_cpu_s": 0.3, "frames": 1000}) == 300.0
    assert report.per_frame("flood") is report.settled_us_per_frame
    assert report.per_frame("voice-200") is report.us_per_frame


def _flood_capture(data: dict[str, Any], loop: float, whole: float) -> None:
    """The plain relay spent 6 µs a frame on the flood, all on its event loop, until it was
    idle; the capture's relay ``loop`` times that on its event loop, ``whole`` in all."""
    for run in data["runs"]:
        if run["workload"] == "flood" and run["relay"].startswith("rtmsg:picows"):
            plain = run["relay"] == "rtmsg:picows"
            run["relay_cpu_s"] = run["relay_loop_cpu_s"] = 0.06
            run["settled"] = {
                "s": 3.0,
                "idle": True,
                "frames": 10_000,
                "relay_cpu_s": 0.06 * (1 if plain else whole),
                "relay_loop_cpu_s": 0.06 * (1 if plain else loop),
            }


def test_the_capture_is_judged_on_the_event_loop_and_its_whole_cost_shown_beside() -> None:
    # The capture's compression ran on a thread, after the window: 3 times the plain relay's
    # CPU in all, 1.2 times on the event loop, which is what the relay's capacity is.
    data = results(cpu=every_target_met())
    _flood_capture(data, loop=1.2, whole=3.0)
    judged = verdicts(data)
    assert judged["capture"].value == pytest.approx(1.2)
    assert judged["capture"].state == "met"
    assert f"compression thread included: 3.00{TIMES}" in judged["capture"].note
    text = report.render(data)
    assert "| `rtmsg relay`, picows, gzip capture, /metrics scraped | 18.0 (7.2 on the" in text
    details = text[text.index("### 20 ms audio flood") :]
    # The whole process until idle (its range over the passes), then its event loop's.
    row = "| `rtmsg relay`, picows, gzip capture, /metrics scraped | 18.0 (18.0\N{EN DASH}18.0) |"
    assert f"{row} 7.2 |" in details


def test_a_capture_that_compresses_on_the_event_loop_misses_the_target() -> None:
    data = results(cpu=every_target_met())
    _flood_capture(data, loop=3.0, whole=3.0)
    judged = verdicts(data)
    assert judged["capture"].value == pytest.approx(3.0)
    assert judged["capture"].state == "not met"


def test_figures_read_the_event_loop_apart_from_the_process() -> None:
    first = harness.Mark(
        10.0,
        {"relay": 1.0, "relay_loop": 0.8, "sink": 2.0, "worker0": 3.0},
        {"t": 10.0, "received": 0},
        [{"t": 10.0, "sent": 0, "received": 0, "sessions": 0, "skipped": 0}],
    )
    last = harness.Mark(
        12.0,
        {"relay": 1.6, "relay_loop": 1.0, "sink": 2.2, "worker0": 3.1},
        {"t": 12.0, "received": 500},
        [{"t": 12.0, "sent": 500, "received": 500, "sessions": 0, "skipped": 0}],
    )
    settled = harness.Mark(
        13.0, {"relay": 2.0, "relay_loop": 1.1, "sink": 2.3, "worker0": 3.1}, {"received": 600}, []
    )
    flood = harness.workloads(harness.FULL)[0]
    figures = harness._figures(flood, harness.FULL, first, last, [{}], 0.1)
    figures.update(harness._settled_figures(first, settled, [{"received": 600}]))
    assert figures["relay_cpu_s"] == pytest.approx(0.6)
    assert figures["relay_loop_cpu_s"] == pytest.approx(0.2)
    assert figures["load_cpu_s"] == pytest.approx(0.1)  # the loop is not a load generator
    assert figures["settled"]["relay_loop_cpu_s"] == pytest.approx(0.3)
    assert report.loop_us_per_frame(figures) == pytest.approx(200.0)
    assert report.settled_loop_us_per_frame(figures) == pytest.approx(250.0)
    assert report.settled_us_per_frame(figures) == pytest.approx(1000 * 1000 / 1200)


def test_a_process_that_answers_a_mark_late_does_not_stretch_the_window() -> None:
    # Worker 1 read its counters 2 s after the harness read the CPU times, at the same rate
    # (250 answers a second): its 1,000 answers over 4 s count as 500 over the 2 s window.
    first = harness.Mark(
        10.0,
        {"relay": 1.0, "sink": 2.0, "worker0": 3.0},
        {"t": 10.001, "received": 0},
        [{"t": 10.0, "sent": 0, "received": 0, "sessions": 0, "skipped": 0}],
    )
    last = harness.Mark(
        12.0,
        {"relay": 1.5, "sink": 2.2, "worker0": 3.1},
        {"t": 12.001, "received": 500},
        [{"t": 14.0, "sent": 1000, "received": 1000, "sessions": 0, "skipped": 0}],
    )
    flood = harness.workloads(harness.FULL)[0]
    figures = harness._figures(flood, harness.FULL, first, last, [{}], 0.1)
    assert figures["answers"] == 500
    assert figures["frames"] == 1000
    assert figures["mark_skew_s"] == pytest.approx(2.0)


# --- what the relay offers ---------------------------------------------------------------


HELP_TODAY = """usage: rtmsg relay [-h] [-v] [--duration SECONDS] --listen HOST:PORT --upstream URL
                   [--capture FILE] [--forward-invalid]
options:
  --capture FILE       record every frame
"""
HELP_NEW = """usage: rtmsg relay [-h] [--transport {picows,websockets}] --listen HOST:PORT
options:
  --transport {picows,websockets}
                        the WebSocket implementation (default: picows)
  --flush-interval SECONDS
                        flush the capture every SECONDS (0: never)
"""


def test_parse_help_finds_the_options_of_each_generation_of_the_relay() -> None:
    assert harness.parse_help(HELP_TODAY) == (False, False)
    assert harness.parse_help(HELP_NEW) == (True, True)
    assert harness.parse_help("  --transport=NAME  which one") == (True, False)
    assert harness.parse_help("  --transports-list  not it\n  --flush-intervals x") == (
        False,
        False,
    )


def spec_ids(specs: list[harness.RelaySpec]) -> dict[str, harness.RelaySpec]:
    return {spec.id: spec for spec in specs}


def test_a_relay_without_transport_option_is_the_websockets_relay() -> None:
    cli = harness.RelayCli(transports=None, flush_interval=False)
    assert cli.judged() == "websockets"
    names = ["flood", "small", "short", "voice-200", "voice-1000"]
    specs = spec_ids(harness.relay_specs(cli, names))
    today = specs["rtmsg:websockets"]
    assert today.available
    assert today.argv == ("python", "-m", "rtmsg", "relay")  # no --transport to refuse
    assert not specs["rtmsg:picows"].available
    assert "no --transport option" in specs["rtmsg:picows"].reason
    assert specs["rtmsg:websockets+capture"].available
    assert specs["rtmsg:websockets+capture"].workloads == ("flood",)
    assert not specs["rtmsg:websockets+capture:flush-0"].available
    assert specs["decode:picows"].workloads == ("flood", "small")
    assert specs["direct"].workloads == tuple(names)


def test_each_transport_the_relay_accepts_gets_its_rows() -> None:
    cli = harness.RelayCli(transports=("picows", "websockets"), flush_interval=True)
    specs = spec_ids(harness.relay_specs(cli, ["flood"]))
    assert specs["rtmsg:picows"].argv[-2:] == ("--transport", "picows")
    assert specs["rtmsg:websockets"].argv[-2:] == ("--transport", "websockets")
    flush0 = specs["rtmsg:picows+capture:flush-0"]
    assert flush0.available
    assert flush0.argv[-4:] == ("--transport", "picows", "--flush-interval", "0")
    assert "rtmsg:websockets+capture" not in specs  # captures are measured on the judged one
    only_ws = harness.RelayCli(transports=("websockets",), flush_interval=True)
    refused = spec_ids(harness.relay_specs(only_ws, ["flood"]))["rtmsg:picows"]
    assert not refused.available
    assert "refused" in refused.reason


def test_workloads_follow_the_settings() -> None:
    names = [w.name for w in harness.workloads(harness.FULL)]
    assert names == ["flood", "small", "short", "voice-200", "voice-1000"]
    quick = harness.workloads(harness.QUICK)
    assert [w.sessions for w in quick if w.voice] == [20, 50]
    assert all(w.window_s < 1 for w in quick)


# --- frames --------------------------------------------------------------------------------


def test_the_frames_are_valid_events_of_twenty_milliseconds_of_audio() -> None:
    import base64

    import rtmsg

    built = frames.build()
    append = rtmsg.decode_client_event(built.append)
    delta = rtmsg.decode_server_event(built.delta)
    assert isinstance(append, rtmsg.InputAudioBufferAppend)
    assert isinstance(delta, rtmsg.ResponseOutputAudioDelta)
    assert len(base64.b64decode(append.audio)) == 20 * frames.PCM16_24K_BYTES_PER_MS
    assert len(base64.b64decode(delta.delta)) == 20 * frames.PCM16_24K_BYTES_PER_MS
    assert isinstance(rtmsg.decode_client_event(built.clear), rtmsg.InputAudioBufferClear)
    assert isinstance(rtmsg.decode_server_event(built.cleared), rtmsg.InputAudioBufferCleared)
    assert isinstance(rtmsg.decode_server_event(built.session_created), rtmsg.SessionCreated)
    assert built.replies() == {
        b"input_audio_buffer.append": built.deltas,
        b"input_audio_buffer.clear": (built.cleared,),
    }
    # Different audio in every variant, more of it than a gzip window, all of one size.
    for pool, decode in ((built.appends, rtmsg.decode_client_event), (built.deltas, None)):
        assert len(set(pool)) == len(pool) == frames.VARIANTS
        assert {len(frame) for frame in pool} == {len(pool[0])}
        assert sum(map(len, pool)) > 2 * 32 * 1024
        if decode is not None:
            assert all(isinstance(decode(frame), rtmsg.InputAudioBufferAppend) for frame in pool)
    assert frames.sizes(built)["append"] == len(built.append)
    assert frames.build() == built  # the same bytes every run
    assert frames.event_type(b'{"type":"x.y","a":1}') == b"x.y"
    assert frames.event_type(b'{"a":1,"type":"x.y"}') == b""


# --- the report ----------------------------------------------------------------------------


def run_record(
    workload: str, relay: str, number: int, *, cpu: float | None, frames: int = 10_000, **extra: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "workload": workload,
        "relay": relay,
        "pass": number,
        "ok": True,
        "window_s": 2.0,
        "frames": frames,
        "requests": frames // 2,
        "answers": frames // 2,
        "sent": frames // 2,
        "sessions": 0,
        "skipped": 0,
        "relay_cpu_s": cpu,
        "relay_loop_cpu_s": cpu,  # a relay without a thread beside its event loop
        "sink_cpu_s": 0.1,
        "load_cpu_s": 0.2,
        "connect_s": 0.1,
        "errors": [],
    }
    record.update(extra)
    return record


def results(
    *,
    passes: int | None = None,
    transports: tuple[str, ...] | None = ("picows", "websockets"),
    flush: bool = True,
    metrics: bool = True,
    quick: bool = False,
    cpu: dict[str, dict[str, list[float]]] | None = None,
    voice_large: dict[str, list[tuple[int, int]]] | None = None,
    short_sessions: int = 1000,
    failed: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    """Saved results as the harness writes them, with relay CPU seconds per pass by load/relay.

    ``cpu[workload][relay]`` lists each pass's CPU seconds over 10,000 frames (so 0.1 s is
    10 µs a frame); ``voice_large[relay]`` each pass's (appends, in time).
    """
    settings = harness.QUICK if quick else harness.FULL
    if passes is not None:
        settings = dataclasses.replace(settings, passes=passes)
    cli = harness.RelayCli(transports=transports, flush_interval=flush)
    loads = harness.workloads(settings)
    names = [w.name for w in loads]
    small, large = f"voice-{min(settings.voice_sessions)}", f"voice-{max(settings.voice_sessions)}"
    specs = harness.relay_specs(cli, names)
    runs = []
    for workload, relays in (cpu or {}).items():
        workload = {"voice-small": small, "voice-large": large}.get(workload, workload)
        for relay, seconds in relays.items():
            for number, value in enumerate(seconds, 1):
                extra: dict[str, Any] = {}
                if workload == "short":
                    extra["sessions"] = short_sessions
                if workload.startswith("voice-"):
                    count = 1000
                    appends, on_time = (voice_large or {}).get(relay, [(count, count)] * 9)[
                        number - 1
                    ]
                    extra["rtt"] = {
                        "count": appends,
                        "answered": appends,
                        "in_time": on_time,
                        "p50_ms": 1.0,
                        "p99_ms": 30.0 if relay != "direct" else 10.0,
                    }
                    extra["nominal"] = appends
                runs.append(run_record(workload, relay, number, cpu=value, **extra))
    for workload, relay in failed:
        runs.append(
            {"workload": workload, "relay": relay, "pass": 1, "ok": False, "error": "it broke"}
        )
    judged = cli.judged()
    return {
        "schema": 1,
        "kind": "relay-bench",
        "quick": quick,
        "started": "2026-12-07T10:00:00+0000",
        "elapsed_s": 290.0,
        "machine": {
            "cpu": "Test CPU",
            "logical_cores": 2,
            "os": "Linux 6",
            "python": "3.11.7 (CPython)",
            "versions": {"rtmsg": "0.1.1", "picows": "2.3.1"},
            "load_average": [1.0, 1.0, 1.0],
        },
        "load_average_end": [2.0, 1.0, 1.0],
        "commit": "abcdef1234",
        "settings": settings.as_json(),
        "cli": {"transports": transports, "flush_interval": flush},
        "judged_transport": judged,
        "workloads": [
            {"name": w.name, "title": w.title, "sessions": w.sessions, "voice": w.voice}
            for w in loads
        ],
        "relays": [s.as_json() for s in specs],
        "metrics": {f"rtmsg:{judged}+capture": metrics},
        "runs": runs,
    }


def every_target_met() -> dict[str, dict[str, list[float]]]:
    both = {"rtmsg:picows": [0.06, 0.07, 0.06], "raw:picows": [0.05, 0.05, 0.05]}
    versus = {**both, "rtmsg:websockets": [0.25, 0.30, 0.2], "direct": [0.0, 0.0, 0.0]}
    return {
        "flood": {
            **versus,
            "rtmsg:picows+capture": [0.08, 0.09, 0.08],
            "rtmsg:picows+capture:flush-0": [0.08, 0.085, 0.075],
        },
        "small": both,
        "voice-small": versus,
        # over 1000 sessions: 0.5 ms each; 1.25, 1.2, 1.14 times the floor's
        "short": {"rtmsg:picows": [0.5, 0.6, 0.4], "raw:picows": [0.4, 0.5, 0.35]},
        "voice-large": {"rtmsg:picows": [0.5, 0.5, 0.5], "raw:picows": [0.45, 0.45, 0.45]},
    }


def verdicts(data: dict[str, Any]) -> dict[str, report.Verdict]:
    return {v.target.key: v for v in report.judge(report.Results(data))}


def test_every_target_met_is_judged_met_with_its_value() -> None:
    judged = verdicts(results(cpu=every_target_met()))
    assert {key: v.state for key, v in judged.items()} == dict.fromkeys(judged, "met")
    assert judged["floor-flood"].value == pytest.approx(1.2)  # median of 1.2, 1.4, 1.2
    assert judged["versus-flood"].value == pytest.approx(0.24)  # median of .24, .233, .3
    assert judged["session"].value == pytest.approx(0.5)
    assert judged["voice-large"].value == 100.0
    assert judged["flush"].value == pytest.approx(0.09 / 0.085)  # of 1.0, 1.059, 1.067
    assert judged["floor-short"].value == pytest.approx(1.2)  # median of 1.25, 1.2, 1.14
    assert judged["floor-voice-large"].value == pytest.approx(0.5 / 0.45)
    assert report.summary(list(judged.values())) == "11/11 judged targets met"


def test_ratios_are_paired_by_pass_not_ratios_of_medians() -> None:
    # Pass ratios 1.0, 1.5, 1.5: median 1.5; the medians' ratio would be 0.06/0.05 = 1.2.
    cpu = every_target_met()
    cpu["flood"]["rtmsg:picows"] = [0.05, 0.06, 0.09]
    cpu["flood"]["raw:picows"] = [0.05, 0.04, 0.06]
    judged = verdicts(results(cpu=cpu))
    assert judged["floor-flood"].value == pytest.approx(1.5)
    assert judged["floor-flood"].state == "not met"


def test_a_failed_pass_drops_out_of_the_pairing() -> None:
    cpu = every_target_met()
    cpu["small"]["raw:picows"] = [0.05, 0.05]  # no third pass for the floor
    cpu["small"]["rtmsg:picows"] = [0.05, 0.055, 1.0]  # its third pass has no partner
    judged = verdicts(results(cpu=cpu))
    assert judged["floor-small"].value == pytest.approx(1.05)


def test_targets_missed_are_named_in_the_summary() -> None:
    cpu = every_target_met()
    cpu["flood"]["rtmsg:picows"] = [0.1, 0.1, 0.1]  # twice the floor, 0.4 of websockets at best
    cpu["short"]["rtmsg:picows"] = [2.0, 2.0, 2.0]  # 2 ms a session
    lost = [(1000, 900), (1000, 950), (1000, 990)]
    judged = verdicts(results(cpu=cpu, voice_large={"rtmsg:picows": lost}))
    assert judged["floor-flood"].state == "not met"
    assert judged["versus-flood"].state == "not met"
    assert judged["session"].state == "not met"
    assert judged["voice-large"].state == "not met"
    assert judged["voice-large"].value == pytest.approx(95.0)
    assert judged["voice-large"].note == "on picows; direct to the sink: —"
    line = report.summary(list(judged.values()))
    assert judged["floor-short"].state == "not met"  # 2.0 s a pass over the floor's 0.4
    assert line.startswith("6/11 judged targets met; not met: ")
    assert f"fast transport / its raw-forward floor, audio flood 2.00{TIMES} (≤ 1.3{TIMES})" in line
    assert "1,000 voice sessions: appends answered in time 95.0 % (≥ 99 %)" in line
    session = "relay CPU per short session (handshakes, 2 round trips, close)"
    assert f"{session} 2.000 ms (≤ 1 ms)" in line


def test_todays_relay_judges_what_it_can_and_says_why_not_the_rest() -> None:
    cpu = {
        "flood": {
            "rtmsg:websockets": [0.3, 0.3, 0.3],
            "rtmsg:websockets+capture": [0.36, 0.39, 0.33],
            "raw:picows": [0.06, 0.06, 0.06],
        },
        "short": {"rtmsg:websockets": [0.3, 0.3, 0.3]},
        "voice-large": {"rtmsg:websockets": [3.0, 3.0, 3.0]},
    }
    data = results(transports=None, flush=False, metrics=False, cpu=cpu)
    judged = verdicts(data)
    floors = ("floor-flood", "floor-small", "floor-short", "floor-voice-small", "floor-voice-large")
    for key in (*floors, "versus-flood"):
        assert judged[key].state == "n/a"
        assert judged[key].note == "`rtmsg relay` has no --transport option"
    assert judged["session"].state == "met"
    assert judged["session"].note == "on websockets"
    assert judged["capture"].state == "n/a"  # no /metrics: the capture alone is not the target
    assert judged["capture"].value == pytest.approx(1.2)
    assert "/metrics not served" in judged["capture"].note
    assert judged["flush"].state == "n/a"
    assert "--flush-interval" in judged["flush"].note
    line = report.summary(list(judged.values()))
    assert line == "2/2 judged targets met; 9 not judged (n/a or failed, see the targets)"


@pytest.mark.parametrize(
    ("beside", "behind", "note"),
    [
        (
            "direct",  # the load straight to the sink
            (1000, 980),
            "on picows; direct to the sink: 98.0 %: "
            "the machine did not carry the load even without a relay",
        ),
        (
            "raw:picows",  # a relay that only forwards, on the same transport
            (1000, 400),
            "on picows; direct to the sink: —; raw forward on picows: 40.0 %: "
            "the machine did not carry the load through a relay that only forwards",
        ),
    ],
)
def test_voice_sessions_the_machine_cannot_carry_are_not_judged(
    beside: str, behind: tuple[int, int], note: str
) -> None:
    cpu = every_target_met()
    cpu["voice-large"].setdefault(beside, [0.0, 0.0, 0.0])  # direct has no relay CPU
    slow = [(1000, 500)] * 3
    for share, state in (([(1000, 1000)] * 3, "not met"), ([behind] * 3, "n/a")):
        data = results(cpu=cpu, voice_large={"rtmsg:picows": slow, beside: share})
        verdict = verdicts(data)["voice-large"]
        assert verdict.state == state
        assert verdict.value == pytest.approx(50.0)
    assert verdict.note == note


def test_a_ratio_on_a_voice_load_says_which_relay_fell_behind() -> None:
    cpu = every_target_met()
    assert verdicts(results(cpu=cpu))["versus-voice"].note == ""  # both kept up
    behind = [(1000, 600)] * 3  # (appends, in time) of each pass, on every voice load
    verdict = verdicts(results(cpu=cpu, voice_large={"rtmsg:websockets": behind}))["versus-voice"]
    assert verdict.state == "met"
    assert verdict.note == (
        "rtmsg:websockets answered 60.0 % in time: "
        "a relay behind spends differently per frame than one keeping up"
    )


def test_a_relay_whose_runs_all_failed_is_not_judged() -> None:
    cpu = every_target_met()
    del cpu["short"]
    judged = verdicts(results(cpu=cpu, failed=(("short", "rtmsg:picows"),)))
    assert judged["session"].state == "n/a"
    assert judged["session"].note == "every run failed: it broke"


def test_the_floor_is_judged_on_every_load() -> None:
    judged = verdicts(results(cpu=every_target_met()))
    floors = {key: v for key, v in judged.items() if key.startswith("floor-")}
    assert {v.target.workload for v in floors.values()} == {
        "flood",
        "small",
        "short",
        "voice-small",
        "voice-large",
    }
    assert {v.state for v in floors.values()} == {"met"}
    prefix = "fast transport / its raw-forward floor, "
    assert [v.name.removeprefix(prefix) for v in floors.values()] == [
        "audio flood",
        "small frames",
        "short sessions (handshakes included)",
        "200 voice sessions",
        "1,000 voice sessions",
    ]
    cpu = every_target_met()
    cpu["voice-large"]["rtmsg:picows"] = [0.9, 0.9, 0.9]  # twice the floor's 0.45
    assert verdicts(results(cpu=cpu))["floor-voice-large"].state == "not met"


def test_a_floor_on_a_voice_load_the_machine_cannot_carry_without_a_relay_is_not_judged() -> None:
    cpu = every_target_met()
    cpu["voice-large"]["direct"] = [0.0, 0.0, 0.0]
    for rtmsg in ([0.5] * 3, [0.9] * 3):  # met, then not met
        cpu["voice-large"]["rtmsg:picows"] = rtmsg
        for direct, state in (([(1000, 1000)] * 3, None), ([(1000, 980)] * 3, "n/a")):
            verdict = verdicts(results(cpu=cpu, voice_large={"direct": direct}))[
                "floor-voice-large"
            ]
            assert verdict.state == (state or ("met" if rtmsg[0] < 0.55 else "not met"))
            assert verdict.value == pytest.approx(rtmsg[0] / 0.45)
    assert verdict.note == (
        "direct to the sink: 98.0 %: the machine did not carry the load even without a relay"
    )


def test_a_full_run_of_one_pass_is_shown_but_not_judged() -> None:
    cpu = {
        load: {r: v[:1] for r, v in relays.items()} for load, relays in every_target_met().items()
    }
    data = results(passes=1, cpu=cpu)
    judged = verdicts(data)
    assert {v.state for v in judged.values()} == {"not judged"}
    assert judged["floor-flood"].value == pytest.approx(1.2)  # shown all the same
    assert judged["floor-flood"].note == report.ONE_PASS
    assert judged["session"].note == f"on picows; {report.ONE_PASS}"
    line = "not judged: one pass (a target is judged on 2 passes or more)"
    assert report.summary(list(judged.values()), passes=1) == line
    text = report.render(data)
    assert "**One pass**" in text
    assert f"| 1.20{TIMES} | ≤ 1.3{TIMES} | not judged |" in text
    assert text.rstrip().endswith(line)
    two = {
        load: {r: v[:2] for r, v in relays.items()} for load, relays in every_target_met().items()
    }
    assert {v.state for v in verdicts(results(passes=2, cpu=two)).values()} == {"met"}


def test_a_quick_run_is_never_judged() -> None:
    judged = verdicts(results(quick=True, cpu=every_target_met()))
    assert {v.state for v in judged.values()} == {"not judged"}
    assert judged["voice-large"].name.startswith("50 voice sessions")
    assert report.summary(list(judged.values()), quick=True).startswith("quick run")


def test_the_report_shows_the_figures_and_ends_with_the_summary() -> None:
    data = results(cpu=every_target_met())
    text = report.render(data)
    assert text.rstrip().endswith("11/11 judged targets met")
    table = next(line for line in text.splitlines() if line.startswith("| `rtmsg relay`, picows |"))
    # flood 0.06 s / 10,000 frames = 6.0 µs; short 0.5 s / 10,000 frames and 1000 sessions
    assert table.startswith("| `rtmsg relay`, picows | 6.0 | 6.0 | 50.0 (0.50 ms) | 6.0 (3 %)")
    assert "+20.0 ms" in table  # p99 30 ms through the relay, 10 ms direct
    assert "100.0 %, 30.0 ms" in table
    target = "fast transport / its raw-forward floor, audio flood"
    assert f"| {target} | #17 | 1.20{TIMES} | ≤ 1.3{TIMES} | met |" in text
    assert "Test CPU, 2 logical cores" in text
    assert "Other work kept the machine busier" not in text  # load 1 and 2 on 2 cores
    data["load_average_end"] = [2.5, 1.0, 1.0]
    assert "Other work kept the machine busier than its cores" in report.render(data)
    assert "3 interleaved passes, 290 s in all" in text
    assert "within 100 ms of its send" in text


def test_the_report_marks_unavailable_rows() -> None:
    text = report.render(results(transports=None, flush=False, cpu={}))
    assert (
        "| `rtmsg relay`, picows | not available: `rtmsg relay` has no --transport option |" in text
    )


def test_publish_replaces_only_the_block_and_refuses_a_quick_run(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    docs = tmp_path / "docs" / "relay-benchmark.md"
    before, after = "# Title\n\nprose before\n\n", "\n\nprose after\n"
    readme.write_text(f"{before}{report.README_START}\nold figures\n{report.README_END}{after}")
    data = results(cpu=every_target_met())
    line = report.publish(data, readme=readme, docs=docs)
    assert line == "11/11 judged targets met"
    text = readme.read_text()
    assert text.startswith(before + report.README_START)
    assert text.endswith(report.README_END + after)
    assert "old figures" not in text
    assert "| `rtmsg relay`, picows | 6.0 |" in text
    assert docs.read_text() == report.render(data)
    with pytest.raises(report.ReportError, match="quick run is not published"):
        report.publish(results(quick=True), readme=readme, docs=docs)
    readme.write_text("no block here")
    with pytest.raises(report.ReportError, match="no"):
        report.publish(data, readme=readme, docs=docs)


def test_the_readme_has_the_block_that_publishing_fills() -> None:
    readme = (ROOT / "README.md").read_text()
    assert readme.count(report.README_START) == readme.count(report.README_END) == 1
    start = readme.index(report.README_START)
    assert start < readme.index(report.README_END)
    assert readme.rfind("### What the relay costs", 0, start) > readme.rfind("\n## ", 0, start)


def test_report_main_renders_saved_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "relay.json"
    path.write_text(json.dumps(results(cpu=every_target_met())))
    output = tmp_path / "out.md"
    assert report.main([str(path), "--output", str(output)]) == 0
    assert output.read_text().rstrip().endswith("11/11 judged targets met")
    assert "11/11 judged targets met" in capsys.readouterr().out
    assert report.main([str(tmp_path / "missing.json")]) == 2
    path.write_text(json.dumps({"kind": "something else"}))
    assert report.main([str(path), "--output", str(output)]) == 2


# --- the processes -----------------------------------------------------------------------


def gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie not yet reaped by its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def all_gone(pids: list[int], timeout: float = 5.0) -> bool:
    """Whether every process in ``pids`` exits within ``timeout`` (a signal takes a moment)."""
    deadline = time.monotonic() + timeout
    while not all(gone(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_run_through_a_raw_forward_relay_counts_every_frame(tmp_path: Path) -> None:
    settings = harness.QUICK
    with Children(tmp_path) as children:
        sink = children.start("sink", ["python", "-m", "bench.relay.sink"], commands=True)
        worker = children.start("load", ["python", "-m", "bench.relay.load"], commands=True)
        upstream = f"ws://127.0.0.1:{sink.wait_listening()}"
        spec = harness.RelaySpec(
            "raw:picows",
            "raw",
            "raw",
            "picows",
            "plain",
            ("flood",),
            ("python", "-m", "bench.relay.forward", "--transport", "picows"),
        )
        relay = harness._start_relay(children, spec, upstream, tmp_path)
        relay.port = relay.child.wait_listening() if relay.child else 0
        bench = harness.Bench(settings, children, Channel(sink), [Channel(worker)], upstream)
        flood = harness.workloads(settings)[0]
        record = bench.measure(relay, flood, 1)
        short = bench.measure(relay, harness.workloads(settings)[2], 1)
        pids = [child.pid for child in children.children]
    assert record["ok"], record
    assert record["frames"] > 0
    # Each session keeps `window` appends in flight: answers trail requests by at most that,
    # give or take what the sink and the client count in the moment between their readings.
    in_flight = settings.flood_sessions * settings.flood_window
    assert abs(record["requests"] - record["answers"]) <= in_flight + 0.02 * record["requests"]
    assert record["frames"] == record["requests"] + record["answers"]
    assert record["relay_cpu_s"] >= 0
    assert record["errors"] == []
    settled = record["settled"]
    assert settled["idle"]
    # The window's frames are scaled to the harness's window (see _figures): give or take
    # the same moment between readings as above.
    assert settled["frames"] >= record["frames"] - in_flight - 0.02 * record["frames"]
    assert settled["relay_cpu_s"] >= record["relay_cpu_s"]
    assert short["ok"], short
    assert short["sessions"] > 0
    assert all_gone(pids)


def test_a_failing_child_is_reported_with_its_log(tmp_path: Path) -> None:
    with Children(tmp_path) as children:
        child = children.start(
            "broken", ["python", "-c", "import sys; sys.exit('no such upstream')"]
        )
        with pytest.raises(ChildError, match=r"broken exited with status 1:\nno such upstream"):
            child.wait_listening(timeout=20)


def test_a_command_answered_with_an_error_raises_and_later_replies_still_match(
    tmp_path: Path,
) -> None:
    with Children(tmp_path) as children:
        worker = Channel(
            children.start("load", ["python", "-m", "bench.relay.load"], commands=True)
        )
        with pytest.raises(ChildError, match="load: ValueError: unknown command"):
            worker.ask({"op": "nonsense"}, 20)
        worker.send({"op": "mark"})  # never read: the next recv skips its reply
        with pytest.raises(ChildError, match="no load is running"):
            worker.ask({"op": "stop"}, 20)


def test_an_exception_stops_every_child(tmp_path: Path) -> None:
    pids = []

    def fail_midway() -> None:
        with Children(tmp_path) as children:
            for name in ("sink", "load"):
                child = children.start(name, ["python", "-m", f"bench.relay.{name}"], commands=True)
                pids.append(child.pid)
            children.children[0].wait_listening()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_midway()
    assert len(pids) == 2
    assert all_gone(pids)


def test_a_child_that_ignores_sigterm_is_killed(tmp_path: Path) -> None:
    ready = tmp_path / "ignoring"
    code = (
        "import pathlib, signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "pathlib.Path(sys.argv[1]).touch(); time.sleep(60)"
    )
    with Children(tmp_path, stop_timeout=0.5) as children:
        child = children.start("stubborn", ["python", "-c", code, str(ready)])
        # However long the interpreter takes to start (a busy machine, coverage in the child),
        # SIGTERM comes only once the child ignores it.
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists()
    assert child.popen.returncode == -signal.SIGKILL


ORPHANING = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from bench.relay.processes import Children
    children = Children(Path(sys.argv[1]))
    child = children.start("sleeper", ["python", "-c", "import time; time.sleep(60)"])
    print(child.pid, flush=True)
    time.sleep(60)
    """
)


def test_children_stop_when_the_harness_is_killed(tmp_path: Path) -> None:
    # SIGKILL leaves the harness no chance to stop anything: the kernel tells the child.
    harness_process = subprocess.Popen(
        [sys.executable, "-c", ORPHANING, str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert harness_process.stdout is not None
    pid = int(harness_process.stdout.readline())
    harness_process.kill()
    harness_process.wait()
    assert all_gone([pid], timeout=10)


PICKY = textwrap.dedent(
    """
    import socket, sys, time
    host, _, port = sys.argv[sys.argv.index("--listen") + 1].rpartition(":")
    if port == "0":
        sys.exit(2)  # as argparse does with a value it refuses
    server = socket.socket()
    server.bind((host, int(port)))
    server.listen()
    time.sleep(60)
    """
)


def test_a_relay_that_refuses_port_zero_gets_a_free_port(tmp_path: Path) -> None:
    script = tmp_path / "picky.py"
    script.write_text(PICKY)
    spec = harness.RelaySpec(
        "rtmsg:websockets",
        "picky",
        "rtmsg",
        "websockets",
        "plain",
        ("flood",),
        ("python", str(script)),
    )
    with Children(tmp_path) as children:
        first = harness._start_relay(children, spec, "ws://127.0.0.1:9", tmp_path)
        relay = harness._listening(children, first, "ws://127.0.0.1:9", tmp_path)
        assert relay.dead == ""
        assert relay.port > 0
        assert relay.child is not None
        assert relay.child is not first.child
        assert procstat.listening_ports(relay.child.pid) == [relay.port]
        assert first.child is not None
        assert first.child.popen.returncode == 2
