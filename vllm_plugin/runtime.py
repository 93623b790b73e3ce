"""The worker's state inside the vLLM API-server process, shared by the middleware, the admin
routes, the resolver and the agent. One per process, built from the environment on first use.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from control_plane.base_models.fingerprint import Fingerprint
from control_plane.workers.protocol import Capacity, RoutingTable, TableVersion
from vllm_plugin.cache import AdapterCache
from vllm_plugin.config import ConfigError, WorkerSettings, load_settings
from vllm_plugin.engine import EngineAdapters
from vllm_plugin.errors import EngineLoadFailed, Unauthorized, WorkerError
from vllm_plugin.metrics import WorkerMetrics
from vllm_plugin.routing import find_version
from vllm_plugin.table import TableStore

logger = logging.getLogger(__name__)


class NoRoutingTable(WorkerError):
    status_code = 503
    error_type = "service_unavailable"


class WorkerRuntime:
    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self._token = settings.token()
        self.metrics = WorkerMetrics()
        self.started_at = datetime.now(UTC)
        # Bound by `start`, once vLLM's engine and API state exist.
        self.table: TableStore | None = None
        self.cache: AdapterCache | None = None
        self.engine: EngineAdapters | None = None
        self.base_model_names: list[str] = []
        self.base_model_config: dict = {}
        self.capacity: Capacity | None = None
        self.port: int = 0
        self.agent = None
        self.agent_task = None
        #: one fetch-and-load per version at a time; concurrent requests for it wait for it
        self._loading: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    # -- binding to vLLM ---------------------------------------------------------------------

    def start(self, engine_client, serving_models, args) -> None:
        """Bind to the engine and load the saved routing table (no network I/O)."""
        lora_config = engine_client.vllm_config.lora_config
        if lora_config is None:
            raise ConfigError("adapterplane needs LoRA: start vLLM with --enable-lora")
        self.port = int(getattr(args, "port", 8000))
        self.base_model_names = list(args.served_model_name or [args.model])
        self.base_model_config = engine_client.model_config.hf_config.to_dict()
        self.capacity = Capacity(
            max_loras=lora_config.max_loras,
            max_cpu_loras=lora_config.max_cpu_loras or lora_config.max_loras,
            max_lora_rank=lora_config.max_lora_rank,
        )
        self.engine = EngineAdapters(engine_client, serving_models, self.base_model_names[0])
        self.table = TableStore(self.settings.table_file(self.port))
        if self.table.load_file():
            logger.info("serving the saved routing table %s from %s", self.table.etag, self.table.path)
        elif self.settings.control_plane_url is None:
            raise ConfigError(
                f"no routing table at {self.table.path} and no ADAPTERPLANE_CONTROL_PLANE_URL: "
                "set one of them (ADAPTERPLANE_ROUTING_TABLE_FILE names the table file)"
            )
        self.cache = AdapterCache(
            root=self.settings.adapter_cache_dir(self.port),
            max_bytes=self.settings.cache_max_bytes,
            store_urls=self.settings.store_urls,
            max_rank=self.capacity.max_lora_rank,
            fingerprint=Fingerprint.from_config(self.base_model_config),
            in_use=self.engine.registered,
        )

    @property
    def base_model_name(self) -> str:
        return self.base_model_names[0]

    def advertise_url(self) -> str:
        return self.settings.advertise_url or f"http://127.0.0.1:{self.port}"

    # -- requests ------------------------------------------------------------------------------

    def is_worker_token(self, token: str) -> bool:
        return bool(token) and hmac.compare_digest(token.encode(), self._token.encode())

    def tenant_for_key(self, key: str) -> str:
        if not key:
            raise Unauthorized("Missing API key: send `Authorization: Bearer <tenant API key>`.")
        tenant = self.require_table_store().tenant_for_key(key)
        if tenant is None:
            raise Unauthorized("Incorrect API key provided.")
        return tenant

    def require_table_store(self) -> TableStore:
        if self.table is None or self.table.table is None:
            raise NoRoutingTable("this worker has no routing table yet; retry shortly")
        return self.table

    def require_table(self) -> RoutingTable:
        return self.require_table_store().table

    def find_version(self, name: str) -> TableVersion | None:
        return find_version(self.table.table if self.table else None, name)

    async def ensure_servable(self, name: str, version: TableVersion, *, resident: bool = False) -> None:
        """Fetch, verify and register version `name` unless vLLM already has it."""
        if self.engine.is_registered(name) and not resident:
            return
        async with self._loading[name]:
            if self.engine.is_registered(name) and not resident:
                return  # a concurrent request loaded it while this one waited
            path = await asyncio.to_thread(
                self.cache.fetch, name, version.artifact_uri, version.files, version.rank
            )
            await self.load_path(name, path, resident=resident)

    async def load_path(self, name: str, path: Path, *, resident: bool = False) -> None:
        try:
            await self.engine.ensure_loaded(name, path, resident=resident)
        except WorkerError:
            raise
        except Exception as exc:  # the engine refused it; it stays up, this request fails
            logger.exception("the engine could not load %s", name)
            raise EngineLoadFailed(f"the engine could not load `{name}`: {exc}") from exc


_runtime: WorkerRuntime | None = None


def get_runtime() -> WorkerRuntime:
    """The process's runtime, built from `ADAPTERPLANE_*` (ConfigError if misconfigured)."""
    global _runtime
    if _runtime is None:
        _runtime = WorkerRuntime(load_settings())
    return _runtime


def current_runtime() -> WorkerRuntime | None:
    """The runtime if the endpoint plugin has built one (the resolver must not build it)."""
    return _runtime
