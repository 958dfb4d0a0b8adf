"""SnapStart's hooks (chalicelib/runtime/snapstart.py): registered with Lambda's runtime library
when it is there, clients built before the snapshot, and environments restored from one
snapshot drawing different random numbers and ids."""

from __future__ import annotations

import random

import pytest
import snapshot_restore_py

from chalicelib.domain.values import new_id
from chalicelib.runtime import snapstart


def test_importing_the_module_registers_both_hooks_with_the_runtime_library() -> None:
    before = [entry[0] for entry in snapshot_restore_py.get_before_snapshot()]
    after = [entry[0] for entry in snapshot_restore_py.get_after_restore()]
    assert snapstart.build_clients in before
    assert snapstart.reseed in after


def test_before_the_snapshot_the_documents_and_mail_clients_are_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connected: list[str] = []

    class Adapter:
        def __init__(self, name: str) -> None:
            self.name = name

        def connect(self) -> None:
            connected.append(self.name)

    class Deps:
        documents = Adapter("documents")
        mailer = Adapter("mailer")

    monkeypatch.setattr("chalicelib.bootstrap.get_deps", lambda: Deps())
    snapstart.build_clients()
    assert connected == ["documents", "mailer"]


def _restored_draws(hooks: bool) -> list[tuple[float, str]]:
    """What two environments restored from one snapshot draw first: each starts from the same
    state of `random` (the snapshot's), as no fork would (`random` reseeds a forked child)."""
    random.seed(19)
    snapshot = random.getstate()
    draws = []
    for _ in range(2):
        random.setstate(snapshot)
        if hooks:
            snapstart.reseed()
        draws.append((random.random(), new_id()))
    random.seed()  # leave no fixed seed to the tests that follow
    return draws


def test_without_the_hook_restored_environments_would_draw_the_same_jitter() -> None:
    first, second = _restored_draws(hooks=False)
    assert first[0] == second[0]


def test_after_restore_each_environment_draws_its_own_numbers_and_ids() -> None:
    first, second = _restored_draws(hooks=True)
    assert first[0] != second[0]
    assert first[1] != second[1]
