"""The `comptoir` command: serve (web + worker), worker, demo, nlp, bench and manage."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from comptoir.config import ConfigError


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
    import django

    django.setup()


def _register_jobs() -> None:
    """A consumer only runs jobs whose modules it has imported: every app keeps them in jobs.py."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("jobs")


def _check_front_end() -> None:
    from django.conf import settings

    htmx = settings.NODE_MODULES / "htmx.org" / "dist" / "htmx.min.js"
    if not htmx.exists():
        raise ConfigError(
            f"The front-end libraries are missing: run `npm ci` in {settings.NODE_MODULES.parent}."
        )


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(host: str, port: int, threads: int, with_worker: bool) -> int:
    from django.core.management import call_command
    from huey.contrib.djhuey import HUEY
    from waitress import create_server

    from comptoir.system.worker import prepare_worker
    from comptoir.wsgi import application

    _check_front_end()
    _register_jobs()
    call_command("migrate", interactive=False, verbosity=0)
    # The web process starts at once: the models load with the first sync that needs them.
    prepare_worker(load_models=False)
    consumer = HUEY.create_consumer(workers=2, worker_type="thread", periodic=True) if with_worker else None
    try:
        server = create_server(application, host=host, port=port, threads=threads, ident="comptoir")
    except OSError as error:
        raise ConfigError(f"Cannot listen on {host}:{port}: {error.strerror}.") from None
    if consumer is not None:
        consumer.start()
    # The consumer installed its own handlers; the web server owns the process's lifetime here.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGINT, _stop_on_sigterm)
    print(f"Comptoir is running at http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if consumer is not None:
            consumer.stop(graceful=True)
    return 0


def worker(workers: int) -> int:
    from huey.contrib.djhuey import HUEY

    from comptoir.system.worker import prepare_worker

    _register_jobs()
    prepare_worker()
    HUEY.create_consumer(workers=workers, worker_type="thread", periodic=True).run()
    return 0


def demo(email: str, password: str | None) -> int:
    from django.core.management import call_command

    from comptoir.demo import create_demo

    call_command("migrate", interactive=False, verbosity=0)
    login = create_demo(email, password)
    print(f"Demo workspace ready. Log in at /accounts/login/ with {login.email} / {login.password}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="comptoir", description="Comptoir, the community manager's cockpit.")
    commands = root.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="migrate, then run the web server and a background worker")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument("--threads", type=int, default=8)
    serve_cmd.add_argument("--no-worker", action="store_true", help="run the web server only")
    worker_cmd = commands.add_parser("worker", help="run background workers only (production)")
    worker_cmd.add_argument("--workers", type=int, default=4)
    demo_cmd = commands.add_parser("demo", help="create the demo workspaces and print the login")
    demo_cmd.add_argument("--email", default="demo@comptoir.local")
    demo_cmd.add_argument("--password", default=None, help="default: a new random password")
    commands.add_parser("nlp", help="language and classifiers: train, evaluate, bench", add_help=False)
    commands.add_parser("manage", help="run a Django management command", add_help=False)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["nlp"]:
        from comptoir.nlp.cli import main as nlp_main

        return int(nlp_main(args_list[1:]))
    args, rest = parser().parse_known_args(args_list)
    try:
        _setup_django()
        if args.command == "manage":
            from django.core.management import execute_from_command_line

            execute_from_command_line(["comptoir manage", *rest])
            return 0
        if rest:
            parser().error(f"unrecognised arguments: {' '.join(rest)}")
        if args.command == "serve":
            return serve(args.host, args.port, args.threads, not args.no_worker)
        if args.command == "worker":
            return worker(args.workers)
        return demo(args.email, args.password)
    except ConfigError as error:
        print(f"comptoir: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
