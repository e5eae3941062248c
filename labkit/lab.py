"""``start_lab``: everything a notebook needs before its first task.

It finds (or starts) the emulator, switches the real-AWS guard on, points plain boto3 at the
emulator with dummy credentials, seeds the lab's starting state and returns a :class:`Lab`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labkit import datasets, guard, sessions
from labkit.catalog import find_lab
from labkit.emulator import client, process
from labkit.manifest import LabManifest
from labkit.portfolio import Portfolio, learner_slug
from labkit.seeding import run_seed
from labkit.settings import Settings

ACCOUNT_ID = "123456789012"  # moto's default account


@dataclass
class Lab:
    """A started lab: its manifest, a boto3 session on the emulator, its resource names."""

    manifest: LabManifest
    settings: Settings
    session: Any  # boto3.Session
    names: dict[str, str] = field(default_factory=dict)
    # (service, region) -> client: botocore clients are reusable, and building one costs
    # more CPU than most requests do.
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _portfolio: Portfolio | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def path(self) -> Path:
        return self.manifest.folder

    @property
    def data_dir(self) -> Path:
        return self.manifest.folder / "data"

    @property
    def endpoint_url(self) -> str:
        return self.settings.endpoint_url

    @property
    def region(self) -> str:
        return self.settings.region

    @property
    def account_id(self) -> str:
        return ACCOUNT_ID

    def dataset(self, name: str) -> Path:
        """The folder of a course dataset shipped with labkit (read-only), e.g. ``p1_retail``."""
        return datasets.path(name)

    @property
    def portfolio(self) -> Portfolio:
        """The learner's portfolio (``LABKIT_PORTFOLIO_DIR``, else ``<LABKIT_HOME>/portfolio``),
        for the learner ``LABKIT_LEARNER_ID`` (else the login name)."""
        if self._portfolio is None:
            self._portfolio = Portfolio(
                self.settings.portfolio_root, learner_slug(self.settings.learner_id)
            )
        return self._portfolio

    def client(self, service: str, region: str | None = None):
        """A client of ``service`` on the emulator (the same one on every call)."""
        key = (service, region or self.region)
        if key not in self._clients:
            self._clients[key] = self.session.client(
                service, region_name=key[1], endpoint_url=self.endpoint_url
            )
        return self._clients[key]

    def resource(self, service: str, region: str | None = None):
        return self.session.resource(
            service, region_name=region or self.region, endpoint_url=self.endpoint_url
        )

    def __repr__(self) -> str:
        return (
            f"<Lab {self.id} '{self.manifest.title}' on {self.endpoint_url} "
            f"({self.region}), names={self.names}>"
        )


def connect(settings: Settings, start: bool = True) -> None:
    """Guard on, emulator answering, plain boto3 pointed at it with dummy credentials."""
    guard.install(settings.allowed_hosts)
    if client.health(settings.endpoint_url) is None:
        if not (start and guard.is_loopback(settings.host)):
            raise process.EmulatorError(
                f"no emulator answers at {settings.endpoint_url}. Start one with `labkit up` "
                f"(or `make lab`), or set AWS_ENDPOINT_URL to a running emulator."
            )
        process.up(settings)
    guard.use_dummy_credentials(settings.region, settings.endpoint_url)
    import boto3

    boto3.DEFAULT_SESSION = sessions.new_session(settings.region)


def start_lab(
    lab_id: str,
    *,
    settings: Settings | None = None,
    seed: bool = True,
    start_emulator: bool = True,
    search: tuple[Path, ...] = (),
    start: Path | None = None,
    session: Any = None,
    clients: dict | None = None,
) -> Lab:
    """Get lab ``lab_id`` ready on the emulator and return its handle.

    Idempotent: running it again (a restarted kernel, a restarted emulator) re-creates only
    what is missing. ``start`` is where the search begins (default: the current folder).
    A caller that starts many labs on one emulator (the grader) can pass the boto3
    ``session`` and the ``clients`` cache to reuse.
    """
    settings = settings or Settings.from_env()
    roots = (*search, settings.labs_dir) if settings.labs_dir else search
    manifest = find_lab(lab_id, roots=roots, start=start)
    connect(settings, start=start_emulator)
    lab = Lab(
        manifest=manifest,
        settings=settings,
        session=session or sessions.new_session(settings.region),
        names=dict(manifest.names),
    )
    if clients is not None:
        lab._clients = clients
    if manifest.time_scale is not None:
        client.configure(settings.endpoint_url, time_scale=manifest.time_scale)
    if seed:
        lab.names.update(run_seed(lab))
    return lab
