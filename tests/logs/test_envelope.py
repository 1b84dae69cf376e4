"""The oslo.log envelope parser takes every line variant met in real logs."""

from __future__ import annotations

import calendar

from stacktwin.logs.envelope import parse_iso, parse_line

INST = "e9f7c3e3-9d2e-4a0f-9cd3-8642190c4364"
REQ = "req-989b9060-4dc0-4816-86ba-c6142b90e750"
REQ2 = "req-40ddf44f-326e-4b03-acb6-a5984b5cee33"


def _epoch(y: int, mo: int, d: int, h: int, mi: int, s: int) -> int:
    return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))


def test_standard_queens_line() -> None:
    line = (
        f"2018-06-26 06:22:01.418 16356 DEBUG nova.compute.manager [{REQ} 06bee0b0 9a90b932 - "
        f"7aec 7aec] [instance: {INST}] Starting instance... _do_build_and_run_instance "
        "/usr/lib/python2.7/site-packages/nova/compute/manager.py:1826\n"
    )
    rec = parse_line(line)
    assert rec.timestamp == _epoch(2018, 6, 26, 6, 22, 1) + 0.418
    assert rec.level == "DEBUG"
    assert rec.logger == "nova.compute.manager"
    assert rec.request_ids == (REQ,)
    assert rec.instance == INST
    assert rec.message.startswith("Starting instance... _do_build")


def test_kilo_audit_level_and_req_none_context() -> None:
    rec = parse_line(
        f"2015-10-29 10:52:22.085 28343 AUDIT nova.api.openstack.compute.contrib."
        f"server_external_events [{REQ} None] Creating event network-vif-plugged:x for instance y"
    )
    assert rec.level == "AUDIT"
    assert rec.request_ids == (REQ,)
    assert rec.message.startswith("Creating event")


def test_devstack_none_first_and_double_request_ids() -> None:
    rec = parse_line(
        f"2023-01-02 03:04:05.006 7 INFO nova.compute.manager [None {REQ} admin admin] "
        f"[instance: {INST}] Took 3.10 seconds to build instance."
    )
    assert rec.request_ids == (REQ,)
    assert rec.instance == INST
    assert rec.message == "Took 3.10 seconds to build instance."
    both = parse_line(
        f"2023-01-02 03:04:05.006 7 INFO nova.compute.manager [{REQ} {REQ2} u p - - - -] hello"
    )
    assert both.request_ids == (REQ, REQ2)
    assert both.message == "hello"


def test_no_context_dash() -> None:
    rec = parse_line("2018-06-26 06:22:13.741 16897 DEBUG neutron.notifiers.nova [-] Sending x")
    assert rec.request_ids == ()
    assert rec.message == "Sending x"


def test_pebble_container_prefix_with_inner_wsgi_timestamp() -> None:
    rec = parse_line(
        "2025-05-14T04:27:20.100Z [wsgi-nova-api] 2025-05-14 04:27:20.100583 "
        f"2025-05-14 04:27:20.061 31 WARNING oslo_db.sqlalchemy.engines [None {REQ} - - - - - -]"
        " SQL connection failed."
    )
    # The oslo timestamp (not the container's nor Apache's) dates the record.
    assert rec.timestamp == _epoch(2025, 5, 14, 4, 27, 20) + 0.061
    assert rec.level == "WARNING"
    assert rec.request_ids == (REQ,)
    assert rec.message == "SQL connection failed."


def test_pebble_line_without_oslo_part_uses_iso_time() -> None:
    rec = parse_line("2025-05-14T04:23:56.191Z [pebble] HTTP API server listening")
    assert rec.timestamp == _epoch(2025, 5, 14, 4, 23, 56) + 0.191
    assert rec.level is None
    assert rec.message == "[pebble] HTTP API server listening"


def test_ansi_colours_are_stripped() -> None:
    rec = parse_line(
        "\x1b[00;32m2023-01-02 03:04:05.006 7 DEBUG nova.compute.manager "
        f"[\x1b[01;36mNone {REQ}\x1b[00;36m admin admin] \x1b[01;35m[instance: {INST}] "
        "\x1b[00;32mStarting instance...\x1b[00m"
    )
    assert rec.timestamp == _epoch(2023, 1, 2, 3, 4, 5) + 0.006
    assert rec.instance == INST
    assert rec.request_ids == (REQ,)
    assert rec.message == "Starting instance..."


def test_line_without_timestamp_keeps_its_text() -> None:
    rec = parse_line(f"[instance: {INST}] Instance spawned successfully.")
    assert rec.timestamp is None
    assert rec.instance == INST
    assert "spawned successfully" in rec.message


def test_impossible_date_is_no_timestamp() -> None:
    rec = parse_line("2018-13-45 06:22:01.418 16356 DEBUG nova.compute.manager [-] x")
    assert rec.timestamp is None


def test_parse_iso() -> None:
    assert parse_iso("2018-06-26") == _epoch(2018, 6, 26, 0, 0, 0)
    assert parse_iso("2018-06-26T06:22") == _epoch(2018, 6, 26, 6, 22, 0)
    assert parse_iso("2018-06-26 06:22:01.5Z") == _epoch(2018, 6, 26, 6, 22, 1) + 0.5
    assert parse_iso("yesterday") is None
