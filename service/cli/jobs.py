"""`vmfabric job list|show`: work the server does in the background, newest first."""

from service.cli.output import table_command, when
from service.cli.resources import client_group

job = client_group("job", "Background work (discovery, migrations, imports ...): list, show.")


def _took(row):
    if not row["finished_at"]:
        return "-"
    return f"{row['finished_at'] - row['created_at']:.1f} s"


COLUMNS = [("JOB", "id"), ("KIND", "kind"), ("STATE", "state"),
           ("STARTED", lambda j: when(j["created_at"])), ("TOOK", _took),
           ("ERROR", lambda j: (j["error"] or "")[:60])]
table_command(job, "list", "/jobs", "jobs", COLUMNS, "Jobs, newest first (yours; an admin: all).")
table_command(job, "show", "/jobs/{job_id}", "job", COLUMNS, "One job, with its result (--json).",
              argument="job_id")
