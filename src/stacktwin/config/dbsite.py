"""Facts of the database server a site runs, as the deployment tools and MariaDB ship them.

One place for each number: the audit (:mod:`stacktwin.config.load`), ``recommend``'s connection
budget (:mod:`stacktwin.twin.batch.knobs`) and the twin's site facts
(:class:`stacktwin.twin.scenario.Cloud`) read them from here (dossier §1.1).
"""

from __future__ import annotations

MYSQL_MAX_CONNECTIONS = 151
"""``max_connections`` of MySQL 8.0 and MariaDB 10.x when unset (their server system variables
docs [W1][W2]); Galera clusters keep it per node."""

KOLLA_MAX_CONNECTIONS = 10_000
"""kolla-ansible's Galera ``max_connections`` (its mariadb role, dossier §1.1 [W8]); MySQL's own
default fits no real cloud.  OpenStack-Ansible sets ``min(max(vcpus, 2), 16) × 100`` (≤ 1600,
[W9]), RHOSP director 4096 [W11]."""

KOLLA_CONNECTION_RECYCLE_TIME = 10
"""kolla-ansible's ``[database] connection_recycle_time`` for every service (with
``max_pool_size = 1``: faster recovery after a VIP failover, commit c81772024, bug 1896635;
dossier §1.1 [W8])."""
