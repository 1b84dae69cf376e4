"""Several files → values in force: oslo precedence, names, types, provenance, project."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from stacktwin.config.catalogue import option
from stacktwin.config.settings import convert, load_config

Conf = Callable[[str, str], str]


def _messages(loaded: object) -> list[str]:
    return [f"{p.severity} {p.location} {p.message}" for p in loaded.problems]  # type: ignore[attr-defined]


def test_later_file_wins_and_overridden_are_kept(conf: Conf) -> None:
    a = conf("nova.conf", "[DEFAULT]\nheal_instance_info_cache_interval = 60\n")
    b = conf("nova-compute.conf", "[DEFAULT]\nheal_instance_info_cache_interval = 600\n")
    loaded = load_config([a, b])
    s = loaded.setting("nova", "DEFAULT", "heal_instance_info_cache_interval")
    assert s is not None
    assert (s.value, str(s.location)) == (600, f"{b}:2")
    assert [str(x) for x in s.overridden] == [f"{a}:2"]
    info = [m for m in _messages(loaded) if m.startswith("info")]
    assert len(info) == 1 and "set 2 times with different values" in info[0]


def test_repeated_key_in_one_file_last_wins(conf: Conf) -> None:
    path = conf("neutron.conf", "[DEFAULT]\nrpc_workers = 1\nrpc_workers = 20\n")
    s = load_config([path]).setting("neutron", "DEFAULT", "rpc_workers")
    assert s is not None and (s.value, s.location.line) == (20, 3)


def test_current_name_beats_deprecated_name_in_the_same_file(conf: Conf) -> None:
    path = conf(
        "neutron.conf",
        "[DEFAULT]\nexecutor_thread_pool_size = 32\nrpc_thread_pool_size = 2048\n",
    )
    s = load_config([path]).setting("neutron", "DEFAULT", "executor_thread_pool_size")
    assert s is not None and s.value == 32


def test_deprecated_name_is_read(conf: Conf) -> None:
    path = conf("neutron.conf", "[DEFAULT]\nrpc_thread_pool_size = 2048\n")
    s = load_config([path]).setting("neutron", "DEFAULT", "executor_thread_pool_size")
    assert s is not None and (s.value, s.written_as) == (2048, "[DEFAULT] rpc_thread_pool_size")


def test_section_case_upper_agent_is_agent_but_lower_default_is_not(conf: Conf) -> None:
    path = conf(
        "neutron.conf",
        "[AGENT]\nreport_interval = 10\n[default]\nrpc_workers = 4\n",
    )
    loaded = load_config([path])
    report = loaded.setting("neutron", "agent", "report_interval")
    assert report is not None and report.value == 10.0
    assert loaded.setting("neutron", "DEFAULT", "rpc_workers") is None
    assert any("[default] is not [DEFAULT]" in m and ":4 " in m for m in _messages(loaded))


def test_wrong_type_in_force_is_critical_with_line_and_rest_audited(conf: Conf) -> None:
    path = conf(
        "neutron.conf",
        "[DEFAULT]\nrpc_workers = twenty\nagent_down_time = 150\n[database]\nmax_pool_size = 60\n",
    )
    loaded = load_config([path])
    msgs = _messages(loaded)
    assert any(
        m.startswith(f"critical {path}:2 wrong type: [DEFAULT] rpc_workers = 'twenty'")
        for m in msgs
    )
    assert loaded.setting("neutron", "DEFAULT", "rpc_workers") is None
    pool = loaded.setting("neutron", "database", "max_pool_size")
    assert pool is not None and pool.value == 60
    down = loaded.setting("neutron", "DEFAULT", "agent_down_time")
    assert down is not None and down.value == 150


def test_wrong_type_overridden_later_is_only_a_warning(conf: Conf) -> None:
    a = conf("nova.conf", "[DEFAULT]\nvif_plugging_is_fatal = maybe\n")
    b = conf("nova-cpu.conf", "[DEFAULT]\nvif_plugging_is_fatal = False\n")
    loaded = load_config([a, b])
    wrong = [m for m in _messages(loaded) if "wrong type" in m]
    assert wrong == [
        f"warning {a}:2 wrong type: [DEFAULT] vif_plugging_is_fatal = 'maybe': "
        "Unexpected boolean value 'maybe' (overridden later)"
    ]
    s = loaded.setting("nova", "DEFAULT", "vif_plugging_is_fatal")
    assert s is not None and s.value is False


def test_out_of_range_is_a_type_error(conf: Conf) -> None:
    path = conf("nova.conf", "[DEFAULT]\nvif_plugging_timeout = -5\n")
    msgs = _messages(load_config([path]))
    assert any("greater than or equal to 0" in m and m.startswith("critical") for m in msgs)


def test_empty_numeric_value_is_reported_not_taken_for_the_default(conf: Conf) -> None:
    path = conf("neutron.conf", "[DEFAULT]\nrpc_workers =\n")
    loaded = load_config([path])
    assert loaded.setting("neutron", "DEFAULT", "rpc_workers") is None
    assert any("is empty: oslo.config reads None" in m for m in _messages(loaded))


def test_typo_and_misplaced_options_are_warned_real_neighbours_are_not(conf: Conf) -> None:
    neutron = conf(
        "neutron.conf",
        "[DEFAULT]\nrpc_worker = 8\nnotify_nova_on_port_data_changes = True\n"
        "agent_boot_time = 7200\n[database]\nrpc_workers = 4\n",
    )
    nova = conf("nova.conf", "[compute]\nheal_instance_info_cache_interval = 600\n")
    loaded = load_config([neutron, nova])
    msgs = _messages(loaded)
    assert any(
        f"{neutron}:2 unknown option [DEFAULT] rpc_worker: did you mean rpc_workers" in m
        for m in msgs
    )
    assert any(f"{neutron}:6 [database] rpc_workers is not read by neutron" in m for m in msgs)
    assert any(
        f"{nova}:2 [compute] heal_instance_info_cache_interval is not read by nova: it reads "
        "[DEFAULT]" in m
        for m in msgs
    )
    assert not any("notify_nova_on_port_data_changes" in m or "agent_boot_time" in m for m in msgs)
    unaudited = {a.key for _, a in loaded.not_audited}
    assert {"notify_nova_on_port_data_changes", "agent_boot_time"} <= unaudited


def test_project_from_name_sections_or_prefix(conf: Conf) -> None:
    by_sections = conf("controller.ini", "[ml2]\nmechanism_drivers = openvswitch\n")
    prefixed = conf("site.ini", "[DEFAULT]\nrpc_workers = 6\n")
    unclear = conf("other.ini", "[DEFAULT]\nrpc_workers = 6\n")
    loaded = load_config([by_sections, f"neutron:{prefixed}", unclear])
    assert [(src.path, src.project) for src, _ in loaded.files] == [
        (by_sections, "neutron"),
        (prefixed, "neutron"),
    ]
    s = loaded.setting("neutron", "DEFAULT", "rpc_workers")
    assert s is not None and str(s.location) == f"{prefixed}:2"
    assert any(m.startswith(f"critical {unclear} cannot tell") for m in _messages(loaded))


def test_api_database_pool_is_read_separately(conf: Conf) -> None:
    path = conf("nova.conf", "[database]\nmax_pool_size = 10\n[api_database]\nmax_pool_size = 3\n")
    loaded = load_config([path])
    main, api = (loaded.setting("nova", s, "max_pool_size") for s in ("database", "api_database"))
    assert main is not None and api is not None and (main.value, api.value) == (10, 3)


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("vif_plugging_is_fatal", "YES", True),
        ("vif_plugging_is_fatal", "off", False),
        ("vif_plugging_timeout", " 300 ", 300),
        ("heal_instance_info_cache_interval", "-1", -1),
    ],
)
def test_convert_like_oslo_types(name: str, raw: str, expected: object) -> None:
    assert convert(option("nova", "DEFAULT", name), raw) == expected


@pytest.mark.parametrize("raw", ["10.5", "ten", "1e3"])
def test_convert_rejects_non_integers(raw: str) -> None:
    with pytest.raises(ValueError, match="is not an integer"):
        convert(option("nova", "DEFAULT", "vif_plugging_timeout"), raw)
