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

Examples run in README order in one directory, so an example may also read what an earlier
one wrote (``rtmsg export … --out fleet``, then ``rtmsg query fleet …``).
"""

from __future__ import annotations

import dataclasses
import doctest
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Final

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


def examples(text: str) -> list[Example]:
    """The examples of the README, and a ``ValueError`` for one without its comment."""
    lines = text.splitlines()
    found: list[Example] = []
    n = 0
    while n < len(lines):
        fence = _FENCE.match(lines[n])
        if fence is None:
            n += 1
            continue
        end = next(k for k in range(n + 1, len(lines)) if lines[k].startswith("```"))
        body = lines[n + 1 : end]
        kind = _is_example(fence.group(1), body)
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
        n = end + 1
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
