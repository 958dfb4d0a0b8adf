"""botocore answering as it does, with what every new session works out again worked out once per
process: tests make sessions all the time (moto resets boto3's default one, the app builds its
own for each test's fresh dependencies), and each one parsed the service models again and
worked out the event name of each of its hundred-odd built-in handlers again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.loaders
import botocore.session
from botocore.hooks import EventAliaser


@contextmanager
def one_model_loader() -> Iterator[None]:
    """One loader per search path, so that each JSON service model is parsed once per process
    instead of once per test (a third of a test's setup)."""
    original = botocore.session.create_loader
    loaders: dict[str | None, botocore.loaders.Loader] = {}

    def shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
        if search_path_string not in loaders:
            loaders[search_path_string] = original(search_path_string)
        return loaders[search_path_string]

    botocore.session.create_loader = shared_loader
    try:
        yield
    finally:
        botocore.session.create_loader = original


@contextmanager
def one_alias_cache() -> Iterator[None]:
    """One cache of aliased event names for every session on botocore's own aliases: an event
    name's alias depends on nothing but the name and those aliases, yet each session's
    EventAliaser worked out every name again with a cache of its own."""
    original = EventAliaser.__init__
    shared: dict[str, str] = {}

    def sharing(self: EventAliaser, event_emitter: Any, event_aliases: Any = None) -> None:
        original(self, event_emitter, event_aliases)
        if event_aliases is None:  # botocore's EVENT_ALIASES, which nothing changes
            self._alias_name_cache = shared  # type: ignore[attr-defined]

    EventAliaser.__init__ = sharing  # type: ignore[method-assign]
    try:
        yield
    finally:
        EventAliaser.__init__ = original  # type: ignore[method-assign]
