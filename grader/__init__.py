"""Instructor side: build, selftest, autograde, feedback, export (the ``grader`` command).

Every grader process (the CLI, each grading worker) imports nbformat, and with it jsonschema.
When ``rfc3987_syntax`` is installed (jupyter-events pulls it in through jsonschema's
``format-nongpl`` extra) jsonschema imports it to check the "iri" formats, and it compiles a
lark grammar on import: about 1 s of CPU in every process. No schema that grader validates
(nbformat's, nbgrader's) uses those formats, so grader processes skip the import; jsonschema
then simply has no "iri" checker. The kernel fork server takes the entry out again before a
kernel runs, so learner code imports what it asks for.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
