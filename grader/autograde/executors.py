"""Map ``grade_submission`` over jobs: a local process pool, or a Dask cluster.

Both yield results as they complete. A worker process that dies takes only its job with it:
the job comes back as a grader error and the pool is rebuilt.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from grader.autograde.job import GradeJob, WorkerResult
from grader.autograde.worker import grade_submission, start_worker
from labkit.emulator.process import die_with_parent


def _init_worker() -> None:
    die_with_parent()
    start_worker()  # warm: emulator and kernel fork server up before the first job arrives


def start_method() -> str:
    """``fork`` when this process runs no other thread (the ``grader`` command): workers then
    start with everything the parent imported (nbgrader, nbformat, jupyter_client: about a
    second of CPU per worker). Forking a process that runs threads is unsafe, so anywhere
    else (a test runner, a notebook) workers are spawned."""
    import threading

    return "fork" if threading.active_count() == 1 else "spawn"


def local_pool(jobs: Iterable[GradeJob], workers: int) -> Iterator[WorkerResult]:
    pending = list(jobs)
    ctx = multiprocessing.get_context(start_method())
    while pending:
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker) as pool:
            futures: dict[Future, GradeJob] = {pool.submit(grade_submission, j): j for j in pending}
            pending = []
            while futures:
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for future in done:
                    job = futures.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        # A dead worker breaks every unfinished future: the one it held gets a
                        # grader error, the others are resubmitted to a fresh pool.
                        yield _lost(job, "a grading worker process died")
                        pending = [j for j in futures.values()]
                        futures = {}
                        break
                    except Exception as e:  # pickling and the like
                        yield _lost(job, f"{type(e).__name__}: {e}")


def dask_cluster(jobs: Iterable[GradeJob], address: str) -> Iterator[WorkerResult]:
    from distributed import Client, as_completed

    jobs = list(jobs)
    with Client(address) as client:
        futures = client.map(grade_submission, jobs, pure=False)
        owner = {f.key: j for f, j in zip(futures, jobs, strict=True)}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as e:
                yield _lost(owner.get(future.key), f"{type(e).__name__}: {e}")


def _lost(job: GradeJob | None, why: str) -> WorkerResult:
    return WorkerResult(
        job.lab if job else "?", job.student if job else "?", job.digest if job else "", error=why
    )
