"""`adapterctl base-models …`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.control_plane.cli.adapterctl.conftest import Cli, error_line
from tests.control_plane.conftest import unique_name
from tests.support.peft_factory import SMOLLM2_135M


def base_model_names(cli: Cli) -> set[str]:
    return {model["name"] for model in cli.json("base-models", "list")}


def test_add_list_and_show(cli: Cli, model_config_file: Path) -> None:
    name = f"org/{unique_name('smollm2')}"  # served names may contain '/'
    added = cli.ok("base-models", "add", name, "--config", str(model_config_file))
    assert added.stdout == f"base model {name} registered (llama)\n"
    again = cli.ok("base-models", "add", name, "--config", str(model_config_file))
    assert again.stdout == f"base model {name} was already registered with this architecture\n"

    assert name in cli.ok("base-models", "list").stdout
    assert name in base_model_names(cli)

    shown = cli.ok("base-models", "show", name).stdout
    assert f"Name:              {name}\n" in shown
    assert "Hidden size:       576\n" in shown and "KV heads:          3\n" in shown
    as_json = cli.json("base-models", "show", name)
    assert {key: as_json[key] for key in SMOLLM2_135M.to_dict()} == SMOLLM2_135M.to_dict()
    assert cli.json("base-models", "add", name, "--config", str(model_config_file))["name"] == name


def test_another_architecture_under_the_same_name_is_refused(
    cli: Cli, model_config_file: Path, tmp_path: Path
) -> None:
    name = unique_name("model")
    cli.ok("base-models", "add", name, "--config", str(model_config_file))
    bigger = tmp_path / "bigger.json"
    bigger.write_text(json.dumps({**SMOLLM2_135M.to_dict(), "hidden_size": 1024}))
    stderr = cli.fails("base-models", "add", name, "--config", str(bigger))
    assert error_line(stderr).startswith(f"error: base model {name!r} is registered with another architecture")
    assert cli.json("base-models", "show", name)["hidden_size"] == 576


def test_bad_config_files_fail_before_any_request(cli: Cli, tmp_path: Path) -> None:
    name = unique_name("model")
    missing = tmp_path / "missing.json"
    stderr = cli.fails("base-models", "add", name, "--config", str(missing))
    assert error_line(stderr) == f"error: no such file: {missing}"
    broken = tmp_path / "broken.json"
    broken.write_text('{"model_type": "llama",')
    assert error_line(cli.fails("base-models", "add", name, "--config", str(broken))).startswith(
        f"error: {broken} is not valid JSON: "
    )
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    assert error_line(cli.fails("base-models", "add", name, "--config", str(listed))) == (
        f"error: {listed} must hold a JSON object (a model's config.json)"
    )
    incomplete = tmp_path / "incomplete.json"
    incomplete.write_text(json.dumps({"model_type": "llama", "hidden_size": 576}))
    assert error_line(cli.fails("base-models", "add", name, "--config", str(incomplete))) == (
        "error: config.json lacks intermediate_size, num_hidden_layers, num_attention_heads, vocab_size"
    )
    assert name not in base_model_names(cli)


def test_bad_names_and_missing_models(cli: Cli, model_config_file: Path) -> None:
    assert error_line(cli.fails("base-models", "add", "org/../etc", "--config", str(model_config_file))) == (
        "error: invalid base model name 'org/../etc': 1-200 characters, no spaces or '..'"
    )
    assert "org/../etc" not in base_model_names(cli)
    missing = unique_name("missing")
    assert missing in error_line(cli.fails("base-models", "show", missing))


def test_only_the_admin_adds_base_models(cli: Cli, tenant: str, model_config_file: Path) -> None:
    key = cli.json("keys", "create", tenant)["key"]
    name = unique_name("model")
    stderr = cli.with_token(key).fails("base-models", "add", name, "--config", str(model_config_file))
    assert error_line(stderr) == "error: this operation needs the admin token"
    assert name not in base_model_names(cli)
