"""Every command the user guides show is run here, against a real local stack.

The guides (DOCS below) are run in order, each in one bash session, in a directory that stands
for the reader's checkout: `.adapterplane/` is the data dir of a stack started once for them
(control plane in local mode + one vLLM CPU worker, `control_plane.local.stack.running_stack`,
what `adapterplane up` starts) and `.venv` is this interpreter's environment. The stack listens
on free ports: the documented ports 8000 and 8100 are replaced by them, in commands and in
checked output. A guide's test first runs the guides before it (each runs once), since the
examples continue from the quickstart. See tests/docs/doc_commands.py for the block conventions.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from control_plane.local.assets import build_all
from control_plane.local.stack import running_stack
from tests.docs.doc_commands import Result, check, parse, run_document
from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCS_DIR = ROOT / "docs"
#: The guides whose commands are run, in the order a reader meets them.
DOCS = ["README.md", "quickstart.md", "concepts.md", "architecture.md", "security.md", "troubleshooting.md"]
#: Pages that follow the same conventions but whose commands are not run here (benchmarks take
#: many minutes each; their scripts are tested where they live).
CONVENTION_ONLY = ["benchmarks/README.md"]
#: Seconds one guide may take (the whole suite takes a few minutes, most of it vLLM starting).
DOC_TIMEOUT = 600


@pytest.mark.parametrize("name", DOCS + CONVENTION_ONLY)
def test_every_shell_block_runs_or_says_why_not(name: str) -> None:
    blocks = parse(DOCS_DIR / name)
    assert check(blocks) == []


def test_not_run_blocks_are_few_and_give_reasons() -> None:
    skipped = [block for name in DOCS for block in parse(DOCS_DIR / name) if block.marker == "not-run"]
    ran = [block for name in DOCS for block in parse(DOCS_DIR / name) if block.runs]
    assert all(block.reason for block in skipped)
    assert len(skipped) <= 12 and len(ran) > 4 * len(skipped), [block.where for block in skipped]


_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


@pytest.mark.parametrize("name", DOCS + CONVENTION_ONLY)
def test_relative_links_point_at_files_and_headings(name: str) -> None:
    doc = DOCS_DIR / name
    for match in _LINK.finditer(doc.read_text()):
        target, _, anchor = match["target"].partition("#")
        if "://" in target or target.startswith("mailto:"):
            continue
        linked = doc.parent / target if target else doc
        assert linked.exists(), f"{name} links to {target}, which does not exist"
        if anchor and linked.suffix == ".md":
            assert anchor in heading_anchors(linked), f"{name} links to {match['target']}: no such heading"


def heading_anchors(doc: Path) -> set[str]:
    """The anchors GitHub gives a page's headings (lowercase, punctuation dropped, spaces to `-`)."""
    anchors = set()
    for heading in re.findall(r"^#{1,6} (.+)$", doc.read_text(), flags=re.M):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return anchors


class GuideRunner:
    """Runs the guides in order against one stack, each once."""

    def __init__(self, checkout: Path, control_plane_port: int, worker_port: int) -> None:
        self.checkout = checkout
        self.substitutions = {r"\b8000\b": str(control_plane_port), r"\b8100\b": str(worker_port)}
        self.env = reader_environment()
        self.results: dict[str, list[Result]] = {}

    def run_through(self, name: str) -> list[Result]:
        for earlier in DOCS[: DOCS.index(name) + 1]:
            if earlier not in self.results:
                self.results[earlier] = run_document(
                    DOCS_DIR / earlier, self.checkout, self.env, self.substitutions, DOC_TIMEOUT
                )
            if earlier != name and failures(self.results[earlier]):
                pytest.fail(f"{name} continues from {earlier}, whose commands failed")
        return self.results[name]


def reader_environment() -> dict[str, str]:
    """A reader's shell: this environment's commands first on PATH, no adapterplane settings
    (the guides set what they need), except where the demo assets are cached."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ADAPTERPLANE_", "ADAPTERCTL_")) and key not in ("VIRTUAL_ENV", "VLLM_PLUGINS")
    }
    if "ADAPTERPLANE_ASSETS_DIR" in os.environ:
        env["ADAPTERPLANE_ASSETS_DIR"] = os.environ["ADAPTERPLANE_ASSETS_DIR"]
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def failures(results: list[Result]) -> list[str]:
    messages = []
    for result in results:
        problem = result.problem()
        if problem is not None:
            messages.append(
                f"{result.block.doc.name}:{result.command.line}: `{result.text}` {problem}\n"
                f"--- its output ---\n{result.output[-4000:]}"
            )
    return messages


@pytest.fixture(scope="module")
def guides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GuideRunner]:
    """The stack, up while this module's tests run (stopped after them, not at the end of the
    whole session, so it does not sit beside the other vLLM tests' servers)."""
    checkout = tmp_path_factory.mktemp("reader-checkout")
    (checkout / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    assets = build_all()
    cp_port, worker_port = free_port(), free_port()
    with running_stack(assets.base_model, checkout / ".adapterplane", cp_port, worker_port, progress=lambda _: None):
        yield GuideRunner(checkout, cp_port, worker_port)


@pytest.mark.vllm
@pytest.mark.parametrize("name", DOCS)
def test_the_guide_commands_work(name: str, guides: GuideRunner) -> None:
    results = guides.run_through(name)
    problems = failures(results)
    assert not problems, "\n\n".join(problems[:1])


# The harness itself, on small pages of its own (no stack needed).

PAGE = '''# A page

```sh
export GREETING=hello
cd sub
```

<!-- expect-output -->
```console
$ echo "$GREETING from $(basename "$PWD")" && \\
  echo "second   line"
hello from sub
second line
```

<!-- expect-error -->
```console
$ ls no-such-file
…No such file or directory
```

<!-- not-run: runs until stopped, which a test cannot wait for -->
```sh
sleep infinity
```
'''


def write_page(tmp_path: Path, text: str) -> Path:
    (tmp_path / "sub").mkdir(exist_ok=True)
    page = tmp_path / "page.md"
    page.write_text(text)
    return page


def test_commands_share_one_session_and_outputs_are_checked(tmp_path: Path) -> None:
    page = write_page(tmp_path, PAGE)
    assert check(parse(page)) == []
    results = run_document(page, tmp_path, reader_environment(), {}, timeout=60)
    assert [result.text.splitlines()[0] for result in results] == [
        "export GREETING=hello", "cd sub", 'echo "$GREETING from $(basename "$PWD")" && \\', "ls no-such-file",
    ]
    assert failures(results) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("hello from sub", "bonjour from sub"), "did not print the documented line 'bonjour from sub'"),
        (("$ ls no-such-file", "$ ls ."), "was expected to fail, but exited 0"),
        (("cd sub", "cd elsewhere"), "exited 1"),
    ],
)
def test_a_page_that_is_wrong_fails(tmp_path: Path, change: tuple[str, str], problem: str) -> None:
    page = write_page(tmp_path, PAGE.replace(*change))
    results = run_document(page, tmp_path, reader_environment(), {}, timeout=60)
    first = next(result.problem() for result in results if result.problem() is not None)
    assert first == problem


def test_ports_are_replaced_in_commands_and_checked_output(tmp_path: Path) -> None:
    page = write_page(tmp_path, "<!-- expect-output -->\n```console\n$ echo http://127.0.0.1:8000/\nhttp://127.0.0.1:8000/\n```\n")
    results = run_document(page, tmp_path, reader_environment(), {r"\b8000\b": "43210"}, timeout=60)
    assert results[0].output.strip() == "http://127.0.0.1:43210/" and failures(results) == []


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("<!-- not-run -->\n```sh\nmake up\n```\n", "must say why"),
        ("```text\n$ adapterctl tenants list\n```\n", "use ```console"),
        ("<!-- expect-error -->\n```sh\nfalse\n```\n", "needs a ```console block"),
        ("<!-- expect-error -->\n```console\n$ false\n```\n", "shows no error text"),
    ],
)
def test_pages_that_break_the_conventions_are_refused(tmp_path: Path, text: str, complaint: str) -> None:
    problems = check(parse(write_page(tmp_path, text)))
    assert any(complaint in problem for problem in problems), problems
