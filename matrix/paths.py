"""Where a run keeps what it writes. Everything here is generated and ignored by git.

MATRIX_ARTIFACTS moves the whole store (the harness's own tests use a temporary one).
MATRIX_RESULTS moves only the results (`reports bisect` runs one cell against the real store).
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.abspath(os.environ.get("MATRIX_ARTIFACTS") or os.path.join(ROOT, "artifacts"))
STORE = os.path.join(ARTIFACTS, "store")      # <env>/<producer>/<case>/{model,manifest.json}
RESULTS = os.path.abspath(os.environ.get("MATRIX_RESULTS") or os.path.join(ARTIFACTS, "results"))  # one JSON-lines file per (phase, env, worker); MATRIX_RESULTS moves it alone
LOGS = os.path.join(ARTIFACTS, "logs")        # each TF worker's stderr
RUN = os.path.join(ARTIFACTS, "run.json")     # the current run's id and start time
