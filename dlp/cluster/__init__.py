"""dlp beyond one machine: `dlp preflight` and `dlp audit` on a Dask cluster (`--scheduler`, DLP_SCHEDULER).

One machine stays the default; nothing here is imported without a scheduler address. Dask schedules,
moves data and reruns lost work; dlp only cuts the work into partitions that merge exactly (`plan`),
runs the one pipeline on each (`tasks`), and folds the partial scans into the report one machine would
give (`merge`, `run`). See docs/cluster.md.
"""

from dlp.cluster.run import SCHEDULER_ENV, audit_on_cluster, preflight_on_cluster

__all__ = ["SCHEDULER_ENV", "audit_on_cluster", "preflight_on_cluster"]
