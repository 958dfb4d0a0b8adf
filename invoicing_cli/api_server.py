"""The API on the laptop: Chalice's local server, made to answer as the deployed API does.

Four things differ from plain `chalice local`:
- a path (or a method on it, whatever the method) that no route serves answers 404 with the
  documented error body, as API Gateway's MISSING_AUTHENTICATION_TOKEN response is configured
  to in infra/template.json, instead of a 403 that echoes the caller's Authorization header
  back (or, for a method such as TRACE, the standard library's 501);
- the listen backlog holds a burst of clients (the standard library's 5 resets the rest);
- responses leave at once on kept-alive connections (no Nagle delay);
- the app's adapters are built once, before the first request, not by racing request threads.
"""

from __future__ import annotations

import functools
import os
from http.server import BaseHTTPRequestHandler
from typing import Any

import simplejson
from chalice.app import Chalice
from chalice.cli import reloader
from chalice.cli.factory import CLIFactory
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    LocalGatewayException,
    ThreadedHTTPServer,
)

from chalicelib.api.problems import problem_body
from chalicelib.bootstrap import get_deps
from invoicing_cli.local import PROJECT_DIR

# What the deployed API answers for a path or method no route serves (infra/template.json).
NOT_FOUND_DETAIL = "No resource at this path for this method"
STAGE = "dev"


class NoRouteError(LocalGatewayException):
    CODE = 404

    def __init__(self) -> None:
        body = problem_body(404, NOT_FOUND_DETAIL)
        super().__init__({"Content-Type": "application/json"}, simplejson.dumps(body).encode())


class DeployedLikeGateway(LocalGateway):
    """Routes as API Gateway does: only a method a route declares reaches the app."""

    def handle_request(
        self, method: str, path: str, headers: dict[str, Any], body: bytes | None
    ) -> Any:
        if not self._serves(method, path):
            raise NoRouteError()
        return super().handle_request(method, path, headers, body)

    def _serves(self, method: str, path: str) -> bool:
        try:
            route = self.event_converter.create_lambda_event(
                method=method, path=path, headers={}, body=None
            )["requestContext"]["resourcePath"]
        except ValueError:  # Chalice's route matcher found no route for the path
            return False
        return method == "OPTIONS" or method in self._app_object.routes[route]


class DeployedLikeHandler(ChaliceRequestHandler):
    # Headers and body leave in separate writes; with Nagle's algorithm on, the second waits for
    # the client's delayed ACK, which added 40 ms to every request on a kept-alive connection.
    disable_nagle_algorithm = True

    def __init__(
        self, request: Any, client_address: Any, server: Any, app_object: Chalice, config: Config
    ) -> None:
        self.local_gateway = DeployedLikeGateway(app_object, config)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def __getattr__(self, name: str) -> Any:
        """Every method reaches the gateway, which answers those no route serves (TRACE, QUERY,
        any other) as the deployed API does, where http.server would answer 501 for lack of a
        `do_TRACE`."""
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)


class BurstTolerantServer(ThreadedHTTPServer):
    # API Gateway takes any burst; 50 clients connecting at once must not be reset here.
    request_queue_size = 512


def stage_config() -> Config:
    return CLIFactory(str(PROJECT_DIR)).create_config_obj(chalice_stage_name=STAGE)


def build_server(host: str, port: int) -> LocalDevServer:
    """The server for the app in PROJECT_DIR, its adapters built before it accepts a request.
    The environment must hold the stage's variables (see `serve`)."""
    config = stage_config()
    get_deps()
    return LocalDevServer(
        _as_local(config.chalice_app),
        config,
        host,
        port,
        handler_cls=DeployedLikeHandler,
        server_cls=BurstTolerantServer,
    )


def serve(host: str, port: int, *, reload: bool) -> int:
    """Serve until stopped; with `reload`, a parent process restarts the server when the code
    changes, as `chalice local --autoreload` does."""
    # As `chalice local` does: the stage's variables join the environment the app reads.
    os.environ.update(stage_config().environment_variables)
    factory = functools.partial(build_server, host, port)
    if reload:
        return int(reloader.run_with_reloader(factory, os.environ, str(PROJECT_DIR)))
    factory().serve_forever()
    return 0


def _as_local(app: Chalice) -> Chalice:
    """The app as `chalice local` runs it: a LocalChalice, whose current_request is per thread,
    so concurrent requests do not see each other's (what chalice.local.create_local_server does
    before it builds a server without our handler and backlog)."""
    if not isinstance(app, LocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    return app
