"""The commands shown in the documentation, and a runner that runs them in one bash session.

Conventions (docs/README.md explains them to readers):

- ```console blocks: `$ command` lines; a trailing `\\`, an open quote or a `> ` line continues
  the command; the other lines are example output.
- ```sh blocks: every line is a command (continued the same way); `#` lines are comments.
- An HTML comment on the line right before the fence says what to do with the block:
    <!-- not-run: REASON -->   not run, for the reason given (it stays visible in the source)
    <!-- expect-error -->      console only: every command must fail and print the output shown
    <!-- expect-output -->     console only: every command must succeed and print the output shown
  Without a marker every command must succeed; the output shown is an example, not checked.
  Checked output matches line by line, in order, with runs of spaces collapsed; `…` stands for
  any text.
- Other fences (text, json, mermaid, python, yaml) hold no commands; a ```text block with `$ `
  lines is refused, so no command can hide from the tests.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SHELL_LANGUAGES = frozenset({"console", "sh", "bash", "shell"})
MARKER = re.compile(r"<!--\s*(?P<kind>not-run|expect-error|expect-output)(?::\s*(?P<reason>.*?))?\s*-->")
_FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)\s*$")
WILDCARD = "…"


class DocFormatError(ValueError):
    """A block breaks the conventions above."""


@dataclass
class Command:
    text: str
    line: int  # 1-based line of the command in its document
    output: list[str] = field(default_factory=list)


@dataclass
class Block:
    doc: Path
    lang: str
    line: int  # 1-based line of the opening fence
    marker: str | None  # not-run | expect-error | expect-output
    reason: str | None
    body: list[str]
    commands: list[Command]

    @property
    def runs(self) -> bool:
        return self.lang in SHELL_LANGUAGES and self.marker != "not-run"

    @property
    def where(self) -> str:
        return f"{self.doc.name}:{self.line}"


def parse(doc: Path) -> list[Block]:
    """Every fenced block of `doc`, with its marker and (for shell blocks) its commands."""
    lines = doc.read_text().splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if fence is None:
            index += 1
            continue
        start = index
        index += 1
        body = []
        indent = len(fence["indent"])  # a block inside a list item is indented as a whole
        while index < len(lines) and lines[index].strip() != "```":
            line = lines[index]
            body.append(line[indent:] if line[:indent].isspace() else line)
            index += 1
        if index == len(lines):
            raise DocFormatError(f"{doc.name}:{start + 1}: the code block is never closed")
        index += 1
        marker = MARKER.fullmatch(lines[start - 1].strip()) if start > 0 else None
        lang = fence["lang"] or "text"
        block = Block(
            doc=doc,
            lang=lang,
            line=start + 1,
            marker=marker["kind"] if marker else None,
            reason=(marker["reason"] or "").strip() or None if marker else None,
            body=body,
            commands=[],
        )
        if lang == "console":
            block.commands = _console_commands(body, start + 2)
        elif lang in SHELL_LANGUAGES:
            block.commands = _script_commands(body, start + 2)
        blocks.append(block)
    return blocks


def check(blocks: list[Block]) -> list[str]:
    """What breaks the conventions: unmarked commands in other fences, markers without reasons,
    markers where they mean nothing, shell blocks without commands."""
    problems = []
    for block in blocks:
        if block.marker == "not-run" and (block.reason is None or len(block.reason) < 10):
            problems.append(f"{block.where}: a not-run block must say why (<!-- not-run: REASON -->)")
        if block.marker in ("expect-error", "expect-output") and block.lang != "console":
            problems.append(f"{block.where}: <!-- {block.marker} --> needs a ```console block (output to match)")
        if block.marker is not None and block.lang not in SHELL_LANGUAGES:
            problems.append(f"{block.where}: <!-- {block.marker} --> marks a ```{block.lang} block, which is never run")
        if block.lang in SHELL_LANGUAGES and not block.commands:
            problems.append(f"{block.where}: a ```{block.lang} block without commands")
        if block.lang not in SHELL_LANGUAGES and any(line.startswith("$ ") for line in block.body):
            problems.append(f"{block.where}: `$ ` commands in a ```{block.lang} block; use ```console")
        if block.marker == "expect-error":
            for command in block.commands:
                if not command.output:
                    problems.append(f"{block.where}: expected failure of `{command.text}` shows no error text")
    return problems


def _incomplete(text: str) -> bool:
    """A trailing backslash or an unclosed quote: the command goes on on the next line."""
    if text.endswith("\\"):
        return True
    try:
        shlex.split(text, comments=True)
    except ValueError:
        return True
    return False


def _console_commands(body: list[str], first_line: int) -> list[Command]:
    commands: list[Command] = []
    current: Command | None = None
    for offset, line in enumerate(body):
        if line.startswith("$ "):
            current = Command(text=line[2:], line=first_line + offset)
            commands.append(current)
        elif current is not None and not current.output and _incomplete(current.text):
            current.text += "\n" + (line[2:] if line.startswith("> ") else line)
        elif current is not None and not current.output and line.startswith("> "):
            current.text += "\n" + line[2:]
        elif current is not None:
            current.output.append(line)
        elif line.strip():
            raise DocFormatError(f"line {first_line + offset}: output before any `$ ` command")
    for command in commands:
        while command.output and not command.output[-1].strip():
            command.output.pop()
    return commands


def _script_commands(body: list[str], first_line: int) -> list[Command]:
    commands: list[Command] = []
    current: Command | None = None
    for offset, line in enumerate(body):
        if current is not None and _incomplete(current.text):
            current.text += "\n" + line
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            current = None
            continue
        current = Command(text=line, line=first_line + offset)
        commands.append(current)
    return commands


def output_matches(expected: list[str], actual: str) -> str | None:
    """None if every expected line is found, in order, in `actual`; else the first missing line."""
    lines = [_squeeze(line) for line in actual.splitlines()]
    position = 0
    for want in expected:
        if not want.strip():
            continue
        # Spaces around `…` are optional: `WHEN … REASON` also matches `WHEN REASON`.
        parts = [part.strip() for part in _squeeze(want).split(WILDCARD)]
        pattern = re.compile(".*".join(re.escape(part) for part in parts))
        while position < len(lines) and not pattern.search(lines[position]):
            position += 1
        if position == len(lines):
            return want
        position += 1
    return None


def _squeeze(line: str) -> str:
    return " ".join(line.replace("\r", "").split())


@dataclass
class Result:
    block: Block
    command: Command
    text: str  # the command as run (ports substituted)
    expected: list[str]  # the output shown, ports substituted
    ran: bool
    returncode: int | None
    output: str

    def problem(self) -> str | None:
        """Why this result breaks what the document promises, or None."""
        if not self.ran:
            return "did not run (an earlier command failed or the document timed out)"
        if self.block.marker == "expect-error":
            if self.returncode == 0:
                return "was expected to fail, but exited 0"
        elif self.returncode != 0:
            return f"exited {self.returncode}"
        if self.block.marker in ("expect-error", "expect-output"):
            missing = output_matches(self.expected, self.output)
            if missing is not None:
                return f"did not print the documented line {missing!r}"
        return None


def run_document(
    doc: Path,
    cwd: Path,
    env: Mapping[str, str],
    substitutions: Mapping[str, str],
    timeout: float,
) -> list[Result]:
    """Run every command of `doc`'s runnable blocks, in order, in one bash session in `cwd`.
    It stops at the first command that does not end as the document says."""
    blocks = [block for block in parse(doc) if block.runs]
    plan = [(block, command) for block in blocks for command in block.commands]

    def substitute(text: str) -> str:
        for pattern, replacement in substitutions.items():
            text = re.sub(pattern, replacement, text)
        return text

    with tempfile.TemporaryDirectory(prefix="doc-commands-") as tmp:
        results_dir = Path(tmp)
        script = ["set -o pipefail"]
        for number, (block, command) in enumerate(plan):
            out, rc = results_dir / f"{number}.out", results_dir / f"{number}.rc"
            stop = "-eq 0" if block.marker == "expect-error" else "-ne 0"
            script += [
                "{",
                substitute(command.text),
                f"}} </dev/null >{shlex.quote(str(out))} 2>&1",
                "__rc=$?",
                f"echo $__rc >{shlex.quote(str(rc))}",
                f"if [ $__rc {stop} ]; then exit 0; fi",
            ]
        process = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-s"],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # so a timeout stops whatever the commands started, too
        )
        try:
            process.communicate("\n".join(script) + "\n", timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        results = []
        for number, (block, command) in enumerate(plan):
            out, rc = results_dir / f"{number}.out", results_dir / f"{number}.rc"
            ran = rc.exists()
            results.append(
                Result(
                    block=block,
                    command=command,
                    text=substitute(command.text),
                    expected=[substitute(line) for line in command.output],
                    ran=ran,
                    returncode=int(rc.read_text()) if ran else None,
                    output=out.read_text(errors="replace") if out.exists() else "",
                )
            )
    return results
