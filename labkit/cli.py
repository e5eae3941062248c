"""``labkit``: the learner's command line.

labkit up [--port 4566]     start the background emulator (reuses a running one)
labkit status               is it up, where, which pid
labkit reset                clear every resource in the emulator
labkit down                 stop the background emulator
labkit serve                run the emulator in the foreground (containers)
labkit seed LAB... | --all  seed labs' starting state into a running emulator
labkit export-state         snapshot the emulator account into the portfolio (state/account.json)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from labkit.manifest import EMULATORS
from labkit.settings import Settings, parse_port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labkit", description="Run the lab emulator and prepare labs."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_port(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--port", type=parse_port, help="emulator port (default 4566)")
        return p

    with_port(sub.add_parser("up", help="start the background emulator on 127.0.0.1"))
    with_port(sub.add_parser("down", help="stop the background emulator"))
    with_port(sub.add_parser("status", help="show whether an emulator answers"))
    with_port(sub.add_parser("reset", help="clear all emulator state"))
    serve = sub.add_parser("serve", help="run the emulator in the foreground")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; 0.0.0.0 inside a container)",
    )
    serve.add_argument("--port", type=int, default=None, help="port (default 4566, 0 = any)")
    serve.add_argument("--port-file", type=Path, help=argparse.SUPPRESS)
    serve.add_argument(
        "--time-scale",
        type=float,
        default=None,
        help="multiply emulated waits (health check intervals, alarm periods); 0.05 = 20x faster",
    )
    serve.add_argument(
        "--postgres-bin",
        type=Path,
        default=None,
        help="directory of PostgreSQL's binaries for RDS instances (default: PATH, "
        "/usr/lib/postgresql/<version>/bin, $CONDA_PREFIX/bin)",
    )
    serve.add_argument(
        "--plain-moto", action="store_true", help="serve moto without labkit's extensions"
    )
    seed = with_port(sub.add_parser("seed", help="seed labs' starting state"))
    seed.add_argument("labs", nargs="*", metavar="LAB", help="lab ids")
    seed.add_argument("--all", action="store_true", help="every lab found")
    seed.add_argument("--labs-dir", type=Path, help="folder holding the labs")
    seed.add_argument(
        "--emulator",
        choices=EMULATORS,
        help="with --all, only the labs whose lab.yaml lists this emulator",
    )
    export = with_port(sub.add_parser("export-state", help="snapshot the emulator account as JSON"))
    export.add_argument(
        "--out",
        type=Path,
        help="file to write (default <LABKIT_PORTFOLIO_DIR>/state/account.json; - for stdout)",
    )
    export.add_argument(
        "--regions",
        nargs="+",
        metavar="REGION",
        help="regions to read (default AWS_DEFAULT_REGION)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as e:
        print(f"labkit: {e}", file=sys.stderr)
        return 2
    if getattr(args, "port", None) is not None and args.command != "serve":
        settings = settings.with_port(args.port)
    handler = {
        "up": _up,
        "down": _down,
        "status": _status,
        "reset": _reset,
        "serve": _serve,
        "seed": _seed,
        "export-state": _export_state,
    }[args.command]
    try:
        return handler(args, settings)
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # a clear one-line message, never a traceback for known errors
        from labkit.catalog import LabNotFoundError
        from labkit.emulator.process import EmulatorError
        from labkit.manifest import ManifestError
        from labkit.seeding import SeedError

        if isinstance(
            e, (EmulatorError, LabNotFoundError, ManifestError, SeedError, ConnectionError)
        ):
            print(f"labkit {args.command}: {e}", file=sys.stderr)
            return 1
        raise


def _up(args, settings: Settings) -> int:
    from labkit.emulator import process

    st = process.up(settings)
    if st.started:
        print(f"emulator started on {st.endpoint_url} (pid {st.pid}, ready in {st.seconds:.2f}s)")
    elif st.pid:
        print(f"emulator already running on {st.endpoint_url} (pid {st.pid})")
    else:
        print(f"an emulator already answers on {st.endpoint_url} (not started by labkit)")
    return 0


def _down(args, settings: Settings) -> int:
    from labkit.emulator import client, process

    pid = process.down(settings)
    if pid is not None:
        print(f"emulator on {settings.endpoint_url} stopped (pid {pid})")
        return 0
    if client.health(settings.endpoint_url) is not None:
        print(
            f"an emulator answers on {settings.endpoint_url} but labkit did not start it; "
            f"stop it where it was started (e.g. docker compose down)",
            file=sys.stderr,
        )
        return 1
    print(f"no emulator running on {settings.endpoint_url}")
    return 0


def _status(args, settings: Settings) -> int:
    from labkit.emulator import client, process

    st = process.status(settings)
    if st is None:
        print(f"emulator: down ({settings.endpoint_url}); start it with `labkit up`")
        return 3
    doc = client.health(settings.endpoint_url) or {}
    running = sorted(k for k, v in doc.get("services", {}).items() if v == "running")
    owner = f"pid {st.pid}" if st.pid else "not started by labkit"
    print(f"emulator: up on {st.endpoint_url} ({owner}), {doc.get('version', '?')}")
    print(f"services in use: {', '.join(running) or 'none yet'}")
    return 0


def _reset(args, settings: Settings) -> int:
    from labkit.emulator import client

    if client.health(settings.endpoint_url) is None:
        print(f"labkit reset: no emulator answers at {settings.endpoint_url}", file=sys.stderr)
        return 1
    client.reset(settings.endpoint_url)
    print(f"emulator on {settings.endpoint_url} reset: every resource removed")
    return 0


def _serve(args, settings: Settings) -> int:
    import signal

    from labkit.emulator.app import EmulatorServer
    from labkit.emulator.extensions import EXTENSIONS

    port = settings.port if args.port is None else args.port
    scale = settings.time_scale if args.time_scale is None else args.time_scale
    server = EmulatorServer(
        args.host,
        port,
        time_scale=scale,
        extensions=() if args.plain_moto else EXTENSIONS,
        postgres_bin=args.postgres_bin or settings.postgres_bin,
    )
    real_port = server.port
    if args.port_file:
        args.port_file.write_text(f"{real_port}\n")

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"labkit emulator serving on http://{args.host}:{real_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    # Everything is closed and the state directory removed. Tearing down the interpreter (moto's
    # backends, botocore's models: millions of objects) would take 2-3 s of CPU for nothing,
    # and every grading worker stops an emulator: leave now.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _seed(args, settings: Settings) -> int:
    from labkit.catalog import default_roots, iter_labs
    from labkit.lab import start_lab

    roots = [args.labs_dir] if args.labs_dir else default_roots()
    if args.all:
        labs = {m.id: m for root in roots for m in iter_labs(root)}
        wanted = args.emulator
        ids = sorted(i for i, m in labs.items() if not wanted or wanted in m.emulators)
        if not ids:
            where = ", ".join(map(str, roots)) or "no labs folder"
            only = f" that support {args.emulator}" if args.emulator else ""
            print(f"labkit seed: no labs{only} found in {where}; nothing to seed")
            return 0
    else:
        ids = args.labs
    if not ids:
        print("labkit seed: name one or more labs, or --all", file=sys.stderr)
        return 2
    for lab_id in ids:
        lab = start_lab(lab_id, settings=settings, search=tuple(roots), start_emulator=False)
        print(f"seeded {lab_id}: {lab.names}")
    return 0


def _export_state(args, settings: Settings) -> int:
    import json

    from labkit.emulator import client
    from labkit.portfolio import write_atomic
    from labkit.state_export import export_state, summary

    if client.health(settings.endpoint_url) is None:
        print(
            f"labkit export-state: no emulator answers at {settings.endpoint_url}", file=sys.stderr
        )
        return 1
    doc = export_state(settings.endpoint_url, args.regions or [settings.region])
    text = json.dumps(doc, indent=1, sort_keys=True) + "\n"
    if str(args.out) == "-":
        sys.stdout.write(text)
        return 0
    out = args.out or settings.portfolio_root / "state" / "account.json"
    write_atomic(out, text.encode())
    total = sum(f["count"] for f in doc["families"].values())
    print(f"exported {total} resources from {settings.endpoint_url} to {out}")
    print(summary(doc))
    if doc["errors"]:
        print(f"{len(doc['errors'])} families could not be read (listed in 'errors')")
    return 0
