"""``grader autograde``: nbgrader's engine, graded in parallel, isolated and tamper-resistant.

A submission is graded in two steps:

1. ``worker.grade_submission(job)`` — a pure function of the job (submission files, the
   gradebook snapshot holding the master cells, lab settings, limits), run in a worker process
   that owns a private emulator: nbgrader's sanitize preprocessors restore locked and hidden
   test cells, ``execute`` runs the notebook in a limited kernel, the lab's out-of-kernel
   state checks read the emulator, and the executed notebooks come back in the result.
2. ``record.record(result)`` — in the parent, one at a time: nbgrader's own autograde
   converter records the worker's executed notebook (its sanitize pass already done in the
   worker, no Execute), so nbgrader writes the gradebook and ``autograded/`` exactly as it
   always does; then the results JSON is written.
"""
