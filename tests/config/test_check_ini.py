"""The INI grammar: oslo.config's iniparser rules, file:line on everything, no exceptions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from stacktwin.config.ini import MAX_PROBLEMS_PER_FILE, normalize_section, read_ini

Conf = Callable[[str, str], str]


def test_assignments_keep_section_key_value_and_line(conf: Conf) -> None:
    path = conf(
        "nova.conf",
        "# comment\n[DEFAULT]\n; other comment\nheal_instance_info_cache_interval = 600\n"
        "\n[conductor]\nworkers: 8\n",
    )
    ini = read_ini(path)
    assert ini.problems == []
    got = [(a.section, a.key, a.value, a.location.line) for a in ini.assignments]
    assert got == [
        ("DEFAULT", "heal_instance_info_cache_interval", "600", 4),
        ("conductor", "workers", "8", 7),
    ]
    assert str(ini.assignments[1].location) == f"{path}:7"


def test_oslo_value_rules_inline_hash_quotes_first_separator(conf: Conf) -> None:
    ini = read_ini(
        conf(
            "x.conf",
            '[DEFAULT]\na = 1 # not a comment\nb = "quoted"\nc = url=http://x:1\nd: e=f\n',
        )
    )
    values = {a.key: a.value for a in ini.assignments}
    assert values == {"a": "1 # not a comment", "b": "quoted", "c": "url=http://x:1", "d": "e=f"}


def test_continuation_lines_join_and_blank_line_ends_them(conf: Conf) -> None:
    ini = read_ini(conf("x.conf", "[DEFAULT]\na = one\n  two\n\tthree\n\nb = 2\n"))
    assert [(a.key, a.value) for a in ini.assignments] == [("a", "one\ntwo\nthree"), ("b", "2")]
    assert ini.assignments[0].location.line == 2


def test_repeated_keys_are_all_kept_in_order(conf: Conf) -> None:
    ini = read_ini(conf("x.conf", "[DEFAULT]\nrpc_workers = 1\nrpc_workers = 4\n"))
    assert [(a.value, a.location.line) for a in ini.assignments] == [("1", 2), ("4", 3)]


def test_key_outside_any_section_is_reported_and_rest_read(conf: Conf) -> None:
    path = conf("neutron.conf", "rpc_workers = 4\n[DEFAULT]\napi_workers = 2\n")
    ini = read_ini(path)
    assert [(p.location.line, p.fatal) for p in ini.problems] == [(1, True)]
    assert "outside any section" in ini.problems[0].message
    assert [(a.key, a.value) for a in ini.assignments] == [("api_workers", "2")]


def test_non_ini_file_is_named_as_such_with_lines(conf: Conf) -> None:
    path = conf("nova.yaml", "nova:\n  workers: 4\n- item\n")
    ini = read_ini(path)
    messages = [str(p.location) + " " + p.message for p in ini.problems]
    assert messages[0] == f"{path}:1 not an oslo.config INI file: no [section]"
    assert any(m.startswith(f"{path}:1 ") and "outside any section" in m for m in messages)
    assert any(m.startswith(f"{path}:3 ") and "no '=' or ':'" in m for m in messages)
    assert ini.assignments == []


def test_empty_file_is_a_warning_not_fatal(conf: Conf) -> None:
    ini = read_ini(conf("empty.conf", "\n# only a comment\n"))
    assert len(ini.problems) == 1
    assert not ini.problems[0].fatal
    assert ini.problems[0].location.line == 1
    assert "empty file" in ini.problems[0].message


def test_bad_headers_and_continuations(conf: Conf) -> None:
    ini = read_ini(conf("x.conf", "  stray\n[DEFAULT\n[]\n[ok]\n= 3\na = 1\n"))
    lines = {p.location.line: p.message for p in ini.problems}
    assert "unexpected continuation" in lines[1]
    assert "must end with ]" in lines[2]
    assert "empty section name" in lines[3]
    assert "empty key" in lines[5]
    assert [(a.section, a.key) for a in ini.assignments] == [("ok", "a")]


def test_binary_and_missing_files(tmp_path: Path) -> None:
    binary = tmp_path / "nova.conf"
    binary.write_bytes(b"[DEFAULT]\nx = 1\n\xff\xfe\x00")
    ini = read_ini(binary)
    assert [(p.location.line, p.message) for p in ini.problems] == [
        (3, "not a text file (invalid UTF-8 here)")
    ]
    missing = read_ini(tmp_path / "absent.conf")
    assert missing.problems[0].location.line is None
    assert "cannot read" in missing.problems[0].message


def test_problem_flood_is_capped_and_counted(conf: Conf) -> None:
    ini = read_ini(conf("x.conf", "[DEFAULT]\n" + "garbage\n" * 50))
    assert len(ini.problems) == MAX_PROBLEMS_PER_FILE + 1
    assert (
        ini.problems[-1].message == f"… and {50 - MAX_PROBLEMS_PER_FILE} more problems in this file"
    )


def test_section_names_normalised_as_oslo() -> None:
    assert normalize_section("AGENT") == "agent"
    assert normalize_section("DEFAULT") == "DEFAULT"
    assert normalize_section("default") == "default"


def test_only_universal_newlines_split_lines(conf: Conf) -> None:
    ini = read_ini(conf("x.conf", "[DEFAULT]\r\na = 1\x0c2\rb = 3\n"))
    assert [(a.key, a.value, a.location.line) for a in ini.assignments] == [
        ("a", "1\x0c2", 2),
        ("b", "3", 3),
    ]
