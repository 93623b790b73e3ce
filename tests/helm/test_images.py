"""The container images the chart runs (docker/): pinned bases, non-root users that match the
chart's security context, locked dependencies. No docker engine here: these read the files."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from tests.helm.render import CHART_DIR, REPO_ROOT

DOCKER = REPO_ROOT / "docker"
LOCK = DOCKER / "requirements" / "control-plane.txt"
DOCKERFILES = {"control-plane": DOCKER / "control-plane.Dockerfile", "worker": DOCKER / "worker.Dockerfile"}


def base_images(dockerfile: Path) -> list[str]:
    """The images of every FROM line, with `${ARG}` replaced by the ARG's default."""
    text = dockerfile.read_text()
    args = dict(re.findall(r"^ARG (\w+)=(\S+)$", text, flags=re.M))
    stages = set(re.findall(r"^FROM \S+ AS (\w+)$", text, flags=re.M))
    images = []
    for image in re.findall(r"^FROM (\S+)", text, flags=re.M):
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        if image not in stages:
            images.append(image)
    return images


def final_user(dockerfile: Path) -> str:
    return re.findall(r"^USER (\S+)$", dockerfile.read_text(), flags=re.M)[-1]


def pyproject() -> dict:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())


@pytest.mark.parametrize("name", DOCKERFILES)
def test_base_images_are_pinned_versions(name: str) -> None:
    for image in base_images(DOCKERFILES[name]):
        _, _, tag = image.partition(":")
        assert tag and tag != "latest", image
        assert re.match(r"v?\d+\.\d+\.\d+", tag), f"{image}: pin a full version"


def test_worker_builds_on_the_official_vllm_image_the_worker_extra_allows() -> None:
    (image,) = base_images(DOCKERFILES["worker"])
    repository, tag = image.split(":")
    assert repository == "vllm/vllm-openai"
    (vllm,) = [Requirement(r) for r in pyproject()["project"]["optional-dependencies"]["worker"] if r.startswith("vllm")]
    assert Version(tag.lstrip("v")) in vllm.specifier


@pytest.mark.parametrize("name", DOCKERFILES)
def test_images_run_as_the_charts_non_root_user(name: str) -> None:
    values = yaml.safe_load((CHART_DIR / "values.yaml").read_text())
    component = values["controlPlane" if name == "control-plane" else "workers"]
    user, _, group = final_user(DOCKERFILES[name]).partition(":")
    assert int(user) == component["podSecurityContext"]["runAsUser"] == component["securityContext"]["runAsUser"]
    assert int(group) == component["podSecurityContext"]["runAsGroup"]
    assert int(user) >= 10000


def test_worker_image_paths_match_the_chart_mounts() -> None:
    text = DOCKERFILES["worker"].read_text()
    for path in ("/home/adapterplane", "/models/huggingface", "/var/lib/adapterplane"):
        assert path in text
        assert path in (CHART_DIR / "templates" / "_helpers.tpl").read_text()
    assert "HOME=/home/adapterplane" in text
    assert "ENTRYPOINT [\"adapterplane\", \"worker\"]" in text


def test_lock_pins_every_dependency_within_pyproject() -> None:
    lock = {}
    for line in LOCK.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"{line}: pin with =="
            lock[re.sub(r"[-_.]+", "-", name).lower()] = Version(version)
    for spec in pyproject()["project"]["dependencies"]:
        requirement = Requirement(spec)
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert name in lock, f"{name} is missing from {LOCK.name}: regenerate it"
        assert lock[name] in requirement.specifier, f"{name}=={lock[name]} outside {requirement.specifier}"


def test_dockerignore_keeps_what_the_dockerfiles_copy() -> None:
    ignored = {line.strip() for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    for dockerfile in DOCKERFILES.values():
        for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile.read_text(), flags=re.M):
            for source in sources.split():
                top = source.split("/")[0]
                assert (REPO_ROOT / source).exists(), source
                assert top not in ignored, f"{source} is excluded by .dockerignore"


def load_worker_constraints():
    spec = importlib.util.spec_from_file_location("worker_constraints", DOCKER / "worker_constraints.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_worker_constraints_keep_the_vllm_images_versions() -> None:
    module = load_worker_constraints()
    locked = module.read_lock("# lock\nFastAPI==0.136.3\nboto3==1.44.5\n\npsycopg_binary==3.3.9  # binary\n")
    assert locked == {"fastapi": "0.136.3", "boto3": "1.44.5", "psycopg-binary": "3.3.9"}
    installed = {"fastapi": "0.118.0", "vllm": "0.32.0", "torch": "2.9.0+cu128"}
    assert module.constraints(installed, locked) == [
        "boto3==1.44.5",
        "fastapi==0.118.0",
        "psycopg-binary==3.3.9",
        "torch==2.9.0+cu128",
        "vllm==0.32.0",
    ]


def test_worker_constraints_read_the_real_lock() -> None:
    module = load_worker_constraints()
    locked = module.read_lock(LOCK.read_text())
    assert locked["sqlalchemy"] and locked["psycopg"] and "adapterplane" not in locked
