"""Every example of the README runs and prints what the README shows.

The convention, for whoever adds an example (it is described in the README's source too):

- A shell example is a ```` ```text ```` (or ```` ```console ````) block whose first line
  starts with ``$ ``: each ``$ `` line is a command, run by ``bash`` in a scratch directory,
  and the lines up to the next ``$ `` line are what it prints, standard error and standard
  output as one stream, as a terminal shows them (``rtmsg`` and ``python`` are this
  checkout's). A Python example is a ```` ```pycon ```` block of ``>>> `` lines and what
  each prints, as in a doctest.
- The line before such a block is an HTML comment, ``<!-- check: FILE ... -->``, naming
  the files the example reads (see :data:`readme_files.FILES`: ``session.jsonl``,
  ``translation.jsonl``, ``shared.jsonl``, ``empty.jsonl``, ``captures``, ``fleet``);
  ``<!-- check -->`` when it needs none.
  An example that cannot run here says why instead: ``<!-- no-check: REASON -->``. A block
  that looks like an example and has neither fails this test.
- In what a command prints, ``…`` stands for any text within a line, and a line holding
  only ``…`` for any number of lines: the only placeholders, for what changes from run to
  run (timings, versions) or is too long to show.

Every ```` ```python ```` and ```` ```sh ```` block, example or not, is run or checked by a test,
which :data:`COVERED` names by a line of the block, or the line before it says why not:
``<!-- not run: REASON -->``.

Examples run in README order in one directory, so an example may also read what an earlier
one wrote (``rtmsg export … --out fleet``, then ``rtmsg query fleet …``).
"""

from __future__ import annotations

import ast
import asyncio
import base64
import contextlib
import dataclasses
import doctest
import inspect
import os
import re
import shlex
import subprocess
import sys
import time
import tomllib
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest

import readme_files

ROOT: Final = Path(__file__).resolve().parents[1]
README: Final = ROOT / "README.md"

_MARK = re.compile(r"<!-- (check|no-check)(?::\s*(.*?))?\s*-->")
_FENCE = re.compile(r"^```(\w*)\s*$")


@dataclasses.dataclass(frozen=True)
class Example:
    line: int  # of the opening fence, from 1
    kind: str  # "shell" or "python"
    text: str  # the block's lines
    files: tuple[str, ...]
    skip: str | None  # why it cannot run, for a no-check example

    @property
    def name(self) -> str:
        return f"README.md:{self.line}"


def _is_example(language: str, body: list[str]) -> str | None:
    if language in ("text", "console") and body and body[0].startswith("$ "):
        return "shell"
    if language == "pycon":
        return "python"
    return None


def _fenced(lines: list[str]) -> Iterator[tuple[int, str, list[str]]]:
    """Each fenced block of ``lines``: its opening fence's index, its language, its lines."""
    n = 0
    while n < len(lines):
        fence = _FENCE.match(lines[n])
        if fence is None:
            n += 1
            continue
        end = next(k for k in range(n + 1, len(lines)) if lines[k].startswith("```"))
        yield n, fence.group(1), lines[n + 1 : end]
        n = end + 1


def examples(text: str) -> list[Example]:
    """The examples of the README, and a ``ValueError`` for one without its comment."""
    lines = text.splitlines()
    found: list[Example] = []
    for n, language, body in _fenced(lines):
        kind = _is_example(language, body)
        if kind is not None:
            mark = _MARK.fullmatch(lines[n - 1].strip()) if n else None
            if mark is None:
                raise ValueError(
                    f"README.md:{n + 1}: an example without <!-- check: FILES --> or "
                    "<!-- no-check: REASON --> on the line before it"
                )
            words = (mark.group(2) or "").split()
            unknown = set(words) - set(readme_files.FILES)
            if mark.group(1) == "check" and unknown:
                raise ValueError(f"README.md:{n}: no README file is named {sorted(unknown)}")
            found.append(
                Example(
                    line=n + 1,
                    kind=kind,
                    text="\n".join(body) + "\n",
                    files=tuple(words) if mark.group(1) == "check" else (),
                    skip=mark.group(2) if mark.group(1) == "no-check" else None,
                )
            )
    return found


EXAMPLES: Final = examples(README.read_text())


# --- comparing output ------------------------------------------------------------------------


def _line_pattern(expected: str) -> str:
    return r"[^\n]*".join(re.escape(part) for part in expected.split("…"))


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is ``expected``, ``…`` standing for any text or any lines."""
    parts = []
    for line in expected.splitlines():
        if line.strip() == "…":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(_line_pattern(line.rstrip()) + r"[ \t]*\n")
    normalised = "".join(line.rstrip() + "\n" for line in actual.splitlines())
    return re.fullmatch("".join(parts), normalised, re.DOTALL) is not None


def test_the_placeholders() -> None:
    assert matches("a\n…\nd\n", "a\nb\nc\nd\n")
    assert matches("a\n…\nd\n", "a\nd\n")
    assert matches("latency … ms\n", "latency 12.5 ms\n")
    assert not matches("a\nd\n", "a\nb\nd\n")
    assert not matches("latency … ms\n", "latency 12.5 s\n")
    assert not matches("a\n", "a\nb\n")
    assert matches("x.y (1)\n", "x.y (1)   \n")


def test_every_example_is_marked_and_names_known_files() -> None:
    with pytest.raises(ValueError, match=r"README\.md:3: an example without"):
        examples("text\n\n```text\n$ rtmsg --version\n```\n")
    with pytest.raises(ValueError, match="no README file is named"):
        examples("<!-- check: nope.jsonl -->\n```pycon\n>>> 1\n1\n```\n")
    [example] = examples("<!-- check: fleet -->\n```text\n$ ls\nfleet\n```\n")
    assert (example.kind, example.files, example.line) == ("shell", ("fleet",), 2)
    assert examples("```sh\nrtmsg mock-server --listen 127.0.0.1:9000\n```\n") == []
    kinds = {example.kind for example in EXAMPLES}
    assert kinds == {"shell", "python"}


# --- running them --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("readme")


def _environment() -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests"), str(ROOT)])
    env["TZ"] = "UTC"
    env["COLUMNS"] = "100"
    env.pop("PYTHONSTARTUP", None)
    return env


def _commands(text: str) -> list[tuple[str, str]]:
    """``(command, expected output)`` for each ``$`` line of a shell example."""
    pairs: list[tuple[str, str]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], ""))
        else:
            command, expected = pairs[-1]
            pairs[-1] = (command, expected + line + "\n")
    return pairs


def _run_shell(example: Example, directory: Path) -> None:
    for command, expected in _commands(example.text):
        result = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            cwd=directory,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
            check=False,
        )
        assert matches(expected, result.stdout), (
            f"{example.name}: $ {command}\n--- the README shows:\n{expected}"
            f"--- it printed (status {result.returncode}):\n{result.stdout}"
        )


class _Checker(doctest.OutputChecker):
    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        return matches(want, got)


def _run_python(example: Example, directory: Path) -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(example.text, {}, example.name, str(README), example.line)
    runner = doctest.DocTestRunner(checker=_Checker(), optionflags=doctest.REPORT_NDIFF)
    report: list[str] = []
    cwd = os.getcwd()
    os.chdir(directory)
    try:
        runner.run(test, out=report.append)
    finally:
        os.chdir(cwd)
    assert runner.failures == 0, "".join(report)


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.name for example in EXAMPLES])
def test_the_readme_example(example: Example, scratch: Path) -> None:
    if example.skip is not None:
        pytest.skip(example.skip)
    readme_files.make(scratch, example.files)
    if example.kind == "shell":
        _run_shell(example, scratch)
    else:
        _run_python(example, scratch)


# --- the code blocks -----------------------------------------------------------------------
#
# Every ```python and ```sh block of the README is run by a test, or checked by one (the
# block's text compared with what it shows, or the same code run elsewhere), or the line
# before it says why not: <!-- not run: REASON -->. COVERED names the test of each block
# that has one, by a line that only that block holds.

COVERED: Final = {
    # run here
    "ev = rtmsg.decode_client_event(frame)": "tests/test_readme_examples.py::"
    "test_the_decoding_snippets_run",
    "for ev in rtmsg.iter_server_events(fp):": "tests/test_readme_examples.py::"
    "test_the_decoding_snippets_run",
    "ev = translation.decode_server_event(frame)": "tests/test_readme_examples.py::"
    "test_the_decoding_snippets_run",
    "rtmsg mock-server --listen 127.0.0.1:9000": "tests/test_readme_examples.py::"
    "test_the_relay_walkthrough_records_what_went_over_the_wire",
    'async with client.realtime.connect(model="gpt-realtime") as connection:\n'
    "    await connection.session.update(": "tests/test_readme_examples.py::"
    "test_the_relay_walkthrough_records_what_went_over_the_wire",
    "await connection.session.input_audio_buffer.append(": "tests/test_readme_examples.py::"
    "test_the_relay_walkthrough_records_what_went_over_the_wire",
    "curl -s http://127.0.0.1:8765/healthz": "tests/test_readme_examples.py::"
    "test_the_relay_walkthrough_records_what_went_over_the_wire",
    "pip install 'rtmsg[cli]'": "tests/test_readme_examples.py::"
    "test_the_install_lines_name_extras_that_bring_what_they_say",
    "pip install 'rtmsg[analytics]'": "tests/test_readme_examples.py::"
    "test_the_install_lines_name_extras_that_bring_what_they_say",
    # checked elsewhere
    "client = openai.AsyncOpenAI()\n": "tests/test_sdk_connection.py::"
    "test_the_readme_shows_this_snippet",
    "case live.SessionStarted(session=session):": "tests/live/test_live_readme.py::"
    "test_the_live_example_prints_what_the_readme_shows",
    "async with client.live.connect() as connection:\n        await": "tests/live/"
    "test_live_readme.py::test_the_sdk_example_runs_through_the_relay_to_the_mock",
    "ENDPOINT: Final = register(": "tests/test_layers.py::"
    "test_the_readme_shows_the_translation_declaration_as_it_is",
    "with CaptureWriter(": "tests/capture/test_readme.py::"
    "test_the_python_example_prints_what_it_shows",
}

_CODE = ("python", "sh")
_NOT_RUN = re.compile(r"<!-- not run: (.*?)\s*-->")


@dataclasses.dataclass(frozen=True)
class CodeBlock:
    line: int  # of the opening fence, from 1
    text: str
    not_run: str | None  # the reason the comment before it gives


def code_blocks(text: str) -> list[CodeBlock]:
    """The ```python and ```sh blocks of a README."""
    lines = text.splitlines()
    found: list[CodeBlock] = []
    for n, language, body in _fenced(lines):
        if language in _CODE:
            mark = _NOT_RUN.fullmatch(lines[n - 1].strip()) if n else None
            code = "\n".join(body) + "\n"
            found.append(CodeBlock(n + 1, code, None if mark is None else mark.group(1)))
    return found


def unaccounted(text: str, covered: dict[str, str]) -> list[str]:
    """What is wrong with the code blocks of ``text``: one line per block that no entry of
    ``covered`` names and no comment marks, named twice, or both; per entry naming none."""
    problems = []
    blocks = code_blocks(text)
    for block in blocks:
        keys = [key for key in covered if key in block.text]
        if block.not_run == "":
            problems.append(f"README.md:{block.line}: <!-- not run: --> without a reason")
        elif block.not_run is not None and keys:
            problems.append(f"README.md:{block.line}: marked not run, yet {covered[keys[0]]}")
        elif block.not_run is None and not keys:
            problems.append(
                f"README.md:{block.line}: no test runs or checks this block: run it in one "
                "(and name it in COVERED), or say why not: <!-- not run: REASON -->"
            )
        elif len(keys) > 1:
            problems.append(f"README.md:{block.line}: named by several lines of COVERED {keys}")
    for key in covered:
        if sum(key in block.text for block in blocks) != 1:
            problems.append(f"COVERED names no single block by {key!r}")
    return problems


def test_every_code_block_is_run_checked_or_marked() -> None:
    assert unaccounted(README.read_text(), COVERED) == []
    for test in set(COVERED.values()):
        path, name = test.split("::")
        assert f"\ndef {name}(" in (ROOT / path).read_text(), test


def test_a_new_code_block_needs_a_test_or_a_reason() -> None:
    shown = "```python\nimport rtmsg\n```\n\ntext\n\n```sh\nrtmsg --version\n```\n"
    assert [line.split(":")[1] for line in unaccounted(shown, {})] == ["1", "7"]
    assert unaccounted(shown, {"import rtmsg": "t", "--version": "t"}) == []
    marked = "<!-- not run: needs a cluster -->\n" + shown
    assert [line.split(":")[1] for line in unaccounted(marked, {})] == ["8"]
    assert unaccounted("<!-- not run:  -->\n```sh\nls\n```\n", {})[0].endswith("reason")
    assert unaccounted(marked, {"import rtmsg": "t", "--version": "t"})[0].startswith(
        "README.md:2: marked not run"
    )
    [twice] = unaccounted(shown, {"rtmsg": "t"})
    assert twice.startswith("COVERED names no single block")
    assert unaccounted("```json\n{}\n```\n", {}) == []  # data, not code to run


def _block(key: str) -> str:
    [block] = [block.text for block in code_blocks(README.read_text()) if key in block.text]
    return block


def test_the_decoding_snippets_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rtmsg

    forwarded: list[bytes] = []
    snippet = _block("ev = rtmsg.decode_client_event(frame)")
    unknown = b'{"type":"future.event","event_id":"e1"}'
    namespace: dict[str, Any] = {"forward": forwarded.append}
    for frame in (
        rtmsg.encode(rtmsg.InputAudioBufferAppend.from_pcm(b"\0\1" * 240)),
        rtmsg.encode(rtmsg.SessionUpdate(session=rtmsg.Session(instructions="Be brief."))),
        unknown,
    ):
        namespace["frame"] = frame
        exec(compile(snippet, "README.md", "exec"), namespace)
    assert forwarded == [unknown]
    assert namespace["pcm"] == b"\0\1" * 240

    played: list[bytes] = []
    snippet = _block("ev = translation.decode_server_event(frame)")
    namespace = {"play": played.append, "caption": "Bon"}
    for frame in (
        b'{"type":"session.output_transcript.delta","event_id":"e1","delta":"jour"}',
        b'{"type":"session.output_audio.delta","event_id":"e2","delta":"AAABAAIA"}',
        b'{"type":"session.closed","event_id":"e3"}',
        b'{"type":"future.event"}',
    ):
        namespace["frame"] = frame
        exec(compile(snippet, "README.md", "exec"), namespace)
    assert (namespace["caption"], played) == ("Bonjour", [b"\0\0\1\0\2\0"])
    assert isinstance(namespace["ev"], rtmsg.Unknown)

    monkeypatch.chdir(tmp_path)
    snippet = _block("for ev in rtmsg.iter_server_events(fp):")
    done = rtmsg.encode(rtmsg.ResponseDone(event_id="e", response=rtmsg.Response()))
    Path("server-events.jsonl").write_bytes(done + b"\n" + done + b"\n")
    exec(compile(snippet, "README.md", "exec"), {"rtmsg": rtmsg})
    Path("server-events.jsonl").write_bytes(done + b"\nnot json\n")
    with pytest.raises(rtmsg.StreamDecodeError) as error:
        exec(compile(snippet, "README.md", "exec"), {"rtmsg": rtmsg})
    assert error.value.line_number == 2


def _requirements(extras: dict[str, list[str]], extra: str) -> set[str]:
    """The names of the packages ``rtmsg[extra]`` installs, its own other extras followed."""
    names = set()
    for requirement in extras[extra]:
        match = re.match(r"([A-Za-z0-9_.-]+)(?:\[([^\]]*)\])?", requirement)
        assert match is not None, requirement
        if match.group(1) == "rtmsg":
            for each in match.group(2).split(","):
                names |= _requirements(extras, each.strip())
        else:
            names.add(match.group(1).lower().replace("_", "-"))
    return names


def test_the_install_lines_name_extras_that_bring_what_they_say() -> None:
    """Each ``pip install 'rtmsg[EXTRAS]'  # what for`` line names extras that exist, and the
    packages its comment names are among those they install."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    known = set().union(*(_requirements(extras, extra) for extra in extras))
    lines = [
        line
        for key in ("pip install 'rtmsg[cli]'", "pip install 'rtmsg[analytics]'")
        for line in _block(key).splitlines()
    ]
    assert len(lines) == 6
    for line in lines:
        match = re.fullmatch(r"pip install 'rtmsg\[([a-z,]+)\]'\s+# (.+)", line)
        assert match is not None, line
        installed = set().union(*(_requirements(extras, x) for x in match.group(1).split(",")))
        named = set(re.findall(r"[a-z][a-z0-9-]+", match.group(2))) & known
        assert named <= installed, line
    assert "rich" in known  # the comments' words are compared with real package names


# --- the relay walkthrough, through the commands as processes ---------------------------------


@contextlib.contextmanager
def _command(argv: list[str], directory: Path) -> Iterator[str]:
    """``argv`` (an ``rtmsg`` command listening on port 0) run in ``directory``, as the README
    runs it; yields its ``ws://`` URL, and stops it with SIGTERM, as an operator does."""
    assert argv[0] == "rtmsg"
    log = directory / f"{argv[1]}.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "rtmsg", *argv[1:]],
            cwd=directory,
            env=_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 30
        while (banner := re.search(r"listening on (ws://[\d.]+:\d+)", log.read_text())) is None:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield banner.group(1)
    finally:
        process.terminate()
        try:
            status = process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            status = process.wait(5)
    assert status == 0, log.read_text()
    assert "Traceback" not in log.read_text()


def _listening_on_port_0(argv: list[str], **options: str) -> list[str]:
    """``argv`` with ``--listen`` on a free port and the other options given replaced."""
    replaced = {"--listen": "127.0.0.1:0", **options}
    return [replaced.get(before, word) for before, word in zip(["", *argv], argv, strict=False)]


async def _run_async_block(code: str, namespace: dict[str, Any]) -> None:
    """A block with ``await`` at its top level, as the asyncio REPL runs it."""
    compiled = compile(code, "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = types.FunctionType(compiled, namespace)()
    if inspect.iscoroutine(result):
        await asyncio.wait_for(result, 30)


def test_the_relay_walkthrough_records_what_went_over_the_wire(tmp_path: Path) -> None:
    """The Tools section's walk-through: the mock server and the relay as the README starts
    them, the SDK's conversation and translation examples through them, /healthz with curl,
    then ``check`` and ``stats`` of the captures the relay wrote."""
    import openai

    mock_line, relay_line = (
        _block("rtmsg mock-server --listen 127.0.0.1:9000").replace("\\\n", " ").splitlines()
    )
    mock_argv, relay_argv = shlex.split(mock_line), shlex.split(relay_line)
    shown_upstream = relay_argv[relay_argv.index("--upstream") + 1]
    assert shown_upstream == "ws://" + mock_argv[mock_argv.index("--listen") + 1]
    shown_relay = "ws://" + relay_argv[relay_argv.index("--listen") + 1]
    (tmp_path / "captures").mkdir()  # as the README says: the directory must exist
    pcm = b"\0\1" * 24000  # 1 s of 24 kHz pcm16
    namespace = {"openai": openai, "base64_pcm16_24khz": base64.b64encode(pcm).decode()}
    conversation = _block(
        'async with client.realtime.connect(model="gpt-realtime") as connection:\n'
        "    await connection.session.update("
    )
    translation = _block("await connection.session.input_audio_buffer.append(")
    [(curl, healthy)] = _commands(_block("curl -s http://127.0.0.1:8765/healthz"))
    with _command(_listening_on_port_0(mock_argv), tmp_path) as mock_url:
        relay = _listening_on_port_0(relay_argv, **{"--upstream": mock_url})
        with _command(relay, tmp_path) as relay_url:
            for code in (conversation, translation):
                assert f"{shown_relay}/v1" in code
                code = code.replace(f"{shown_relay}/v1", f"{relay_url}/v1")
                asyncio.run(_run_async_block(code, namespace))
            health = subprocess.run(
                ["bash", "-c", curl.replace(shown_relay[5:], relay_url[5:])],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            assert matches(healthy, health.stdout), health
    assert sorted(path.name for path in (tmp_path / "captures").iterdir()) == [
        "session-1.jsonl.gz",
        "session-2.jsonl.gz",
    ]
    checked = _run("rtmsg check captures/session-1.jsonl.gz", tmp_path)
    assert checked.splitlines()[-1] == "OK", checked
    stats = _run("rtmsg stats captures/session-1.jsonl.gz", tmp_path)
    assert "responses       1 (completed 1)" in stats, stats
    assert "audio sent      1.000 s" in stats, stats
    stats = _run("rtmsg stats captures/session-2.jsonl.gz", tmp_path)
    assert stats.startswith("protocol        translation\n"), stats


def _run(command: str, directory: Path) -> str:
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=directory,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout
