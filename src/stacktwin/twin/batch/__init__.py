"""Batches of twin runs: replications, ablation, sweeps and the recommendation.

Every batch goes through :class:`~stacktwin.twin.batch.executor.Executor` (serial for one run,
Dask for more); figures are read from each run's record by :mod:`.figures` and summarised across
replications by :mod:`.stats`.
"""
