"""SnapStart's runtime hooks (decision 0043). Lambda snapshots an initialised environment once per
published version and starts later ones from copies of it: what is built before the snapshot is
not built again, and what was random in it is the same in every copy unless drawn again.

Importing this module registers the hooks with `snapshot_restore_py`, which Lambda's Python
runtime ships; where it is absent (the local stack, a laptop without the dev extras) nothing takes
snapshots and nothing is registered."""

from __future__ import annotations

import importlib
import random

# What a first request or run imports that no import of a handler does (decision 0046), besides
# the API's views and middleware, which wiring.load_all() loads: the jobs' code, the JSON logger,
# the bearer-token verifier (jwt, cryptography), the id generator, and the stream's relay.
DEFERRED_MODULES = (
    "chalicelib.jobs.runs",
    "chalicelib.jobs.stream",
    "chalicelib.telemetry",
    "jwt",
    "uuid6",
)


def load_deferred() -> None:
    """Import what cold starts leave to the first request, so a restored environment's first
    request pays for none of it: every route's module, the middleware and DEFERRED_MODULES."""
    from chalicelib.api import wiring

    wiring.load_all()
    for name in DEFERRED_MODULES:
        importlib.import_module(name)


def build_clients() -> None:
    """Build the composition root and the AWS clients its adapters would build on first use, so
    a restored environment's first request pays for none of them. Credentials are not fetched
    here (botocore asks for them on the first call), so none are frozen into the snapshot."""
    from chalicelib.bootstrap import get_deps

    deps = get_deps()
    for adapter in (deps.documents, deps.mailer):
        connect = getattr(adapter, "connect", None)
        if callable(connect):
            connect()


def reseed() -> None:
    """Every copy of the snapshot holds the same state of `random`, so each would draw the same
    retry jitter: seed it again from the OS. Ids need nothing: uuid4 and uuid6's uuid7 draw
    from os.urandom, which Lambda makes unique after a restore."""
    random.seed()


def _register() -> None:
    try:
        import snapshot_restore_py
    except ImportError:
        return
    snapshot_restore_py.register_before_snapshot(load_deferred)
    snapshot_restore_py.register_before_snapshot(build_clients)
    snapshot_restore_py.register_after_restore(reseed)


_register()
