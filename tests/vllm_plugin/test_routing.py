"""Which version a request's `model` selects (DESIGN.md), from a hand-written table."""

from __future__ import annotations

import pytest

from control_plane.workers.protocol import TableVersion
from tests.support.assets import TableBuilder
from vllm_plugin.errors import Forbidden, ModelNotFound
from vllm_plugin.routing import choose_target, find_version

BASE = "smollm2"


def _version(number: int, status: str = "active") -> TableVersion:
    return TableVersion(number=number, artifact_uri=f"file:///store/v{number}", files=[], rank=8, status=status)


@pytest.fixture
def table():
    builder = TableBuilder(base_model=BASE)
    builder.tenant("acme")
    builder.tenant("globex")
    for number in (1, 2, 3):
        builder.version("acme", "bot", _version(number))
    builder.version("acme", "bot", _version(4, status="deleted"))
    builder.version("acme", "bot", _version(5, status="deprecated"))
    builder.route("acme", "bot", {1: 70, 2: 30})
    builder.route("acme", "bot", {3: 100}, name="staging")
    builder.version("globex", "helper", _version(1))
    builder.route("globex", "helper", {1: 100})
    return builder.build()


def choose(table, model, tenant="acme", sticky="user-1"):
    return choose_target(table, tenant, model, sticky, [BASE])


def test_base_model_name_and_missing_model_select_the_base_model(table):
    for model in (BASE, None, ""):
        target = choose(table, model)
        assert not target.is_adapter
        assert target.served_name == BASE


def test_explicit_version_named_route_and_default_route(table):
    assert choose(table, "acme/bot:v2").served_name == "acme/bot:v2"
    assert choose(table, "acme/bot@staging").served_name == "acme/bot:v3"
    assert choose(table, "acme/bot").served_name in {"acme/bot:v1", "acme/bot:v2"}


def test_default_route_split_is_sticky_and_close_to_its_weights(table):
    picks = [choose(table, "acme/bot", sticky=f"user-{i}").number for i in range(2000)]
    share = picks.count(1) / len(picks)
    assert 0.65 <= share <= 0.75
    again = [choose(table, "acme/bot", sticky=f"user-{i}").number for i in range(2000)]
    assert picks == again


def test_another_tenants_adapter_is_forbidden(table):
    with pytest.raises(Forbidden):
        choose(table, "globex/helper", tenant="acme")
    with pytest.raises(Forbidden):  # no existence leak: the same answer for names that do not exist
        choose(table, "globex/nothing", tenant="acme")


@pytest.mark.parametrize(
    "model", ["acme/nothing", "acme/bot:v9", "acme/bot:v4", "acme/bot@nope", "not a name", "ACME/bot", "gpt-4"]
)
def test_unknown_names_are_not_found(table, model):
    with pytest.raises(ModelNotFound):
        choose(table, model)


def test_find_version_only_accepts_concrete_version_names(table):
    assert find_version(table, "acme/bot:v1").number == 1
    assert find_version(table, "acme/bot") is None
    assert find_version(None, "acme/bot:v1") is None


def test_a_deprecated_version_keeps_serving_where_it_is_asked_for(table):
    target = choose(table, "acme/bot:v5")
    assert target.served_name == "acme/bot:v5" and target.number == 5
