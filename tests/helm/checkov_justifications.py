"""Checkov findings on the rendered chart that are kept on purpose, and why.

docs/operations.md repeats this list (test_docs checks that both agree).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Justification:
    """Why a checkov finding stays, and the only kinds it may appear on."""

    kinds: frozenset[str]
    reason: str


WORKLOADS = frozenset({"Deployment", "StatefulSet", "Job", "Pod"})

#: Every checkov finding that is not fixed, with the reason.
JUSTIFIED = {
    "CKV_K8S_43": Justification(
        WORKLOADS,
        "Image should use digest: images are pinned to the chart's appVersion tag by default, "
        "and `controlPlane.image.digest` / `workers.image.digest` pin digests (the `full` value "
        "set does, and passes). A digest cannot be a default: it exists only once the image is built.",
    ),
    "CKV_K8S_15": Justification(
        WORKLOADS,
        "Image pull policy should be Always: tags are immutable release tags (or digests), so "
        "IfNotPresent is correct and avoids re-pulling a ~10 GB vLLM image at every GPU pod start. "
        "`*.image.pullPolicy` sets Always where the cluster relies on pulls for registry authorization.",
    ),
    "CKV_K8S_35": Justification(
        frozenset({"Deployment", "StatefulSet", "Job"}),
        "Secrets as environment variables: adapterplane (pydantic-settings), the AWS SDK and the "
        "Hugging Face hub read their credentials from the environment; the values come from "
        "secretKeyRef (never from a ConfigMap or the pod spec) and no secret is written to disk.",
    ),
    "CKV_K8S_8": Justification(
        frozenset({"Pod"}),
        "Liveness probe: the only bare Pod is the `helm test` pod, a one-shot check that exits.",
    ),
    "CKV_K8S_9": Justification(
        frozenset({"Pod"}),
        "Readiness probe: the only bare Pod is the `helm test` pod, which serves nothing.",
    ),
}
