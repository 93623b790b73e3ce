"""The names users type (DESIGN.md): tenants, adapters, routes, versions and model references."""

from __future__ import annotations

import re
from dataclasses import dataclass

from control_plane.kit.errors import InvalidInput

NAME_PATTERN = r"[a-z0-9][a-z0-9-]{0,62}"
_NAME = re.compile(NAME_PATTERN)
DEFAULT_ROUTE = "default"


def check_name(value: str, what: str) -> str:
    """Return `value` if it is a valid tenant/adapter/route name, else raise InvalidInput."""
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise InvalidInput(
            f"invalid {what} name {value!r}: use 1-63 characters a-z, 0-9 and '-', "
            "starting with a letter or digit"
        )
    return value


@dataclass(frozen=True)
class AdapterRef:
    """`tenant/adapter`, optionally with `:vN` (a version) or `@route` (a named route)."""

    tenant: str
    adapter: str
    version: int | None = None
    route: str | None = None

    @property
    def name(self) -> str:
        return f"{self.tenant}/{self.adapter}"

    def __str__(self) -> str:
        if self.version is not None:
            return f"{self.name}:v{self.version}"
        if self.route is not None:
            return f"{self.name}@{self.route}"
        return self.name


_REF = re.compile(
    rf"(?P<tenant>{NAME_PATTERN})/(?P<adapter>{NAME_PATTERN})"
    rf"(?::v(?P<version>[1-9][0-9]{{0,8}})|@(?P<route>{NAME_PATTERN}))?"
)


def parse_ref(text: str) -> AdapterRef | None:
    """Parse `tenant/adapter[:vN|@route]`; None if `text` is not of that form."""
    match = _REF.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    version = match["version"]
    return AdapterRef(
        tenant=match["tenant"],
        adapter=match["adapter"],
        version=int(version) if version else None,
        route=match["route"],
    )


def require_ref(text: str) -> AdapterRef:
    ref = parse_ref(text)
    if ref is None:
        raise InvalidInput(
            f"invalid adapter reference {text!r}: expected tenant/adapter, tenant/adapter:vN "
            "or tenant/adapter@route (lowercase a-z, 0-9, '-')"
        )
    return ref


def version_name(tenant: str, adapter: str, number: int) -> str:
    """The immutable name vLLM serves a version under: `tenant/adapter:vN`."""
    return f"{tenant}/{adapter}:v{number}"
