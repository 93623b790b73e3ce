"""`adapterplane worker`: the vLLM command line and environment it builds."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from control_plane.cli.worker import vllm_command, worker, worker_environment


def test_environment_enables_the_plugin_and_runtime_lora_keeping_other_plugins():
    env = worker_environment({"VLLM_PLUGINS": "other"}, "http://cp:8000", Path("t.json"))
    assert env["VLLM_PLUGINS"] == "other,adapterplane"
    assert env["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] == "True"
    assert env["ADAPTERPLANE_CONTROL_PLANE_URL"] == "http://cp:8000"
    assert env["ADAPTERPLANE_ROUTING_TABLE_FILE"].endswith("t.json")


def test_command_enables_lora_and_passes_extra_args_through():
    command = vllm_command("/m", "base", "127.0.0.1", 8100, ["--max-loras", "4"])
    assert command[1:3] == ["-m", "vllm.entrypoints.openai.api_server"]
    assert command[command.index("--served-model-name") + 1] == "base"
    assert "--enable-lora" in command and command[-2:] == ["--max-loras", "4"]


def test_flags_that_bypass_the_plugin_are_refused():
    result = CliRunner().invoke(worker, ["--control-plane", "http://cp", "--model", "/m", "--", "--api-key", "x"])
    assert result.exit_code == 2
    assert "--api-key is not allowed" in result.output


def test_a_control_plane_or_a_table_file_is_required():
    result = CliRunner().invoke(worker, ["--model", "/m"], env={"ADAPTERPLANE_CONTROL_PLANE_URL": None})
    assert result.exit_code == 2
    assert "--control-plane" in result.output
