"""The control-plane FastAPI application."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text

from control_plane.adapters.endpoints import router as adapters_router
from control_plane.artifacts.registry import open_store
from control_plane.audit.endpoints import router as audit_router
from control_plane.base_models.endpoints import router as base_models_router
from control_plane.kit.db import make_engine, make_session_factory
from control_plane.kit.errors import AdapterplaneError
from control_plane.kit.http import RequestMetrics, error_response, install_error_handlers
from control_plane.reconciler.lease import lease_for
from control_plane.reconciler.loop import Reconciler
from control_plane.reconciler.notify import ChangeListener, is_postgres
from control_plane.reconciler.status import router as status_router
from control_plane.rollouts.controller import RolloutController
from control_plane.rollouts.endpoints import router as rollouts_router
from control_plane.routes.endpoints import router as routes_router
from control_plane.settings import Settings, SettingsError, get_settings
from control_plane.tenants.endpoints import router as tenants_router
from control_plane.workers.endpoints import router as workers_router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # Fail at start, with the variable's name, when a secret is missing or too short.
    admin_token = settings.token("admin")
    worker_token = settings.token("worker")
    if admin_token == worker_token:
        raise SettingsError("ADAPTERPLANE_ADMIN_TOKEN and ADAPTERPLANE_WORKER_TOKEN must differ")
    engine = make_engine(settings.resolved_database_url())
    session_factory = make_session_factory(engine)
    reconciler = Reconciler(
        session_factory,
        settings,
        worker_token,
        lease_for(settings.resolved_database_url()),
        after_record=[RolloutController(settings).advance],
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        task = asyncio.create_task(reconciler.run()) if settings.run_reconciler else None
        listener = None
        if task is not None and is_postgres(settings.resolved_database_url()):
            listener = ChangeListener(settings.resolved_database_url(), reconciler.nudge)
            listener.start()
        yield
        if listener is not None:
            listener.stop()
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        engine.dispose()

    app = FastAPI(
        title="adapterplane control plane",
        version="0.1.0",
        description="Versions, routes, tenants and audit for LoRA adapters served by vLLM.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.reconciler = reconciler
    app.state.nudge = reconciler.nudge
    app.state.store = open_store(settings.resolved_store_url())
    app.state.admin_token = admin_token
    app.state.worker_token = worker_token
    registry = CollectorRegistry()
    app.state.metrics_registry = registry

    install_error_handlers(app)
    RequestMetrics(registry).install(app)
    for router in (
        tenants_router,
        base_models_router,
        adapters_router,
        routes_router,
        rollouts_router,
        workers_router,
        status_router,
        audit_router,
    ):
        app.include_router(router)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    async def readyz() -> Response:
        """Readiness: the database and the artifact store answer."""
        try:
            await run_in_threadpool(_check_database, app)
            await run_in_threadpool(app.state.store.check)
        except AdapterplaneError as exc:
            return error_response(503, exc.error, exc.detail)
        except Exception as exc:  # the database driver's own errors
            return error_response(503, "database_unavailable", str(exc).splitlines()[0])
        return JSONResponse({"status": "ready"})

    @app.get("/metrics", tags=["health"])
    def metrics() -> Response:
        """Prometheus metrics."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app


def _check_database(app: FastAPI) -> None:
    with app.state.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
