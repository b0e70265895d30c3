#!/usr/bin/env python3
"""Print a SLURM job's state for the cluster-generic executor: running, success or failed.

Usage: status.py JOBID. squeue knows queued, running and recently finished jobs (for
MinJobAge seconds); sacct, where the cluster keeps accounting, knows older ones. A job
neither knows is failed; one asked about while the controller does not answer is still
running (the executor asks again).
"""

from __future__ import annotations

import subprocess
import sys

RUNNING = {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED",
           "RESIZING", "STAGE_OUT", "SIGNALING"}  # fmt: skip
QUERIES = (
    ["squeue", "-h", "-t", "all", "-o", "%T", "-j"],
    ["sacct", "-n", "-X", "-P", "-o", "State", "-j"],
)


def state(job_id: str) -> str | None:
    """The job's SLURM state; '' where no query knows it, None where none answered."""
    answered = False
    for query in QUERIES:
        try:
            done = subprocess.run([*query, job_id], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        # squeue answers a job it no longer knows with "Invalid job id specified"
        answered = answered or done.returncode == 0 or "Invalid job id" in done.stderr
        words = done.stdout.split() if done.returncode == 0 else []
        if words:
            return words[0].rstrip("+")
    return "" if answered else None


def main() -> None:
    found = state(sys.argv[1])
    if found == "COMPLETED":
        print("success")
    elif found is None or found in RUNNING:
        print("running")
    else:  # FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, ... or forgotten
        print("failed")


if __name__ == "__main__":
    main()
