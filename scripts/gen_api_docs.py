"""Write docs/api.md, the HTTP API reference, from the control plane's OpenAPI document.

    python scripts/gen_api_docs.py          # rewrite docs/api.md
    python scripts/gen_api_docs.py --check  # exit 1 if docs/api.md is out of date
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "api.md"


def openapi() -> dict:
    from control_plane.app import create_app
    from control_plane.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), admin_token="a" * 32, worker_token="w" * 32, run_reconciler=False)
        return create_app(settings).openapi()


def _schema_name(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"list[{_schema_name(schema.get('items', {}))}]"
    return schema.get("type", "object")


def render(spec: dict) -> str:
    lines = [
        "# HTTP API reference",
        "",
        "Generated from the control plane's OpenAPI document by `scripts/gen_api_docs.py`; the live",
        "document is served at `/openapi.json` (and browsable at `/docs`).",
        "",
        "Every call sends `Authorization: Bearer <token>`: the admin token, a tenant API key (which",
        "sees and changes only its own tenant), or the worker token (worker routes only). Errors are",
        '`{"error": "<code>", "detail": "<message>"}` with a 4xx status (422 for a malformed payload).',
        "",
    ]
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            lines.append(f"## `{method.upper()} {path}`")
            lines.append("")
            lines.append(op.get("summary", ""))
            description = op.get("description", "").strip()
            if description and description != op.get("summary"):
                lines += ["", description]
            params = [p for p in op.get("parameters", []) if p["in"] in ("query", "header")]
            if params:
                lines += ["", "| parameter | in | required | description |", "|---|---|---|---|"]
                for p in params:
                    lines.append(f"| `{p['name']}` | {p['in']} | {'yes' if p.get('required') else 'no'} | {p.get('description', '')} |")
            body = op.get("requestBody", {}).get("content", {})
            for media, content in body.items():
                lines += ["", f"Request body ({media}): `{_schema_name(content.get('schema', {}))}`"]
            for status, response in op.get("responses", {}).items():
                if status.startswith("2"):
                    schema = response.get("content", {}).get("application/json", {}).get("schema")
                    lines += ["", f"Response {status}: `{_schema_name(schema) if schema else 'empty'}`"]
            lines.append("")
    lines += ["## Schemas", ""]
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        lines += [f"### {name}", "", "```json", json.dumps(schema.get("properties", schema), indent=2, sort_keys=True), "```", ""]
    return "\n".join(lines)


def main() -> int:
    os.environ.setdefault("ADAPTERPLANE_LOG_LEVEL", "warning")
    text = render(openapi())
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET} is out of date: run python scripts/gen_api_docs.py", file=sys.stderr)
            return 1
        return 0
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
