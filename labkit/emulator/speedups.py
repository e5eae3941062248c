"""CPU savings in moto's server that change nothing a client sees.

The grader resets an emulator before every submission and a lab notebook sends a few hundred
requests, so two costs of moto's server (5.2) add up (profiled with py-spy on a grading run):

- ``DomainDispatcherApplication.get_backend_for_host`` calls
  ``moto.backends.list_of_moto_modules()`` on every request. It lists moto's package folder
  and calls ``isdir`` on each of its ~190 entries: about a tenth of the emulator's CPU while a
  notebook runs. The folder does not change while the server runs, so the list is computed
  once.
- ``POST /moto-api/reset`` (``BackendDict.reset``) first re-runs ``__init__`` of every region
  backend (``BaseBackend.reset``), then throws all of them away (``backend.clear()``), and
  the next request builds new ones again. For EC2 that ``__init__`` loads ~1300 default AMIs
  with a snapshot each: about 40 ms per region. During the reset the re-initialisation is
  skipped; the cleanup that backends do in their own ``reset`` overrides (S3 closes its
  temporary files, Batch stops its job threads) still runs before the backends are dropped.

- moto makes boto3 sessions of its own (three at import, in
  ``moto.ec2.models.availability_zones_and_regions``, to list regions; one per account for
  the region list of each backend) and a fresh botocore loader per service model it
  serialises responses with. Each parses the same JSON models again (the ec2 model: 0.1-0.2 s
  each time). In the emulator process every botocore session and moto's model loading use
  one loader (``labkit.sessions.shared_loader``), so each model is parsed once: about 0.4 s
  less to start an emulator. ``apply`` must run before moto is imported for the import-time
  sessions to share it.

moto internals patched (check them on a moto upgrade): ``moto.backends.list_of_moto_modules``,
``moto.core.base_backend.BackendDict.reset`` and ``BaseBackend.reset``,
``moto.core.utils.create_loader``; and botocore's ``Session._register_data_loader``.
"""

from __future__ import annotations

import functools
import threading

from labkit.sessions import shared_loader

_applied = False
_resetting = threading.local()


def apply() -> None:
    """Patch moto in this process (idempotent)."""
    global _applied
    if _applied:
        return
    _applied = True
    _share_botocore_loader()
    from moto import backends
    from moto.core.base_backend import BackendDict, BaseBackend

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules

    original_base_reset = BaseBackend.reset
    original_dict_reset = BackendDict.reset.__func__

    @functools.wraps(original_base_reset)
    def base_reset(self) -> None:
        if getattr(_resetting, "active", False):
            return  # the backend is about to be dropped: no need to build it again
        original_base_reset(self)

    @classmethod
    @functools.wraps(original_dict_reset)
    def dict_reset(cls) -> None:
        _resetting.active = True
        try:
            original_dict_reset(cls)
        finally:
            _resetting.active = False

    BaseBackend.reset = base_reset
    BackendDict.reset = dict_reset

    from moto.core import utils

    utils.create_loader = lambda *args, **kwargs: shared_loader()


def _share_botocore_loader() -> None:
    """Every botocore session of this process gets the shared loader (the emulator ignores
    ``AWS_DATA_PATH``: it serves the models botocore ships)."""
    from botocore.session import Session

    def register(self) -> None:
        self._components.register_component("data_loader", shared_loader())

    Session._register_data_loader = register
