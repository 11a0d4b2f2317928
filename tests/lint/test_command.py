"""`dynaguard lint` as a user runs it: exit codes, formats, selection, config, suppression."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dynaguard.lint.command import main
from dynaguard.lint.rules import RULES

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "lint"
SEED = CORPUS / "seed_vulnerable_app.py"
SECURE = CORPUS / "seed_secure_app.py"


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    """A project of its own, so the repository's pyproject does not apply."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    shutil.copy(SEED, tmp_path / "app.py")
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(previous)


def _run(*args: str) -> tuple[int, str, str]:
    """The command as the console entry runs it: its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as done:
            code = done.code
    assert isinstance(code, int)
    return code, out.getvalue(), err.getvalue()


def test_clean_file_exits_0(workdir: Path) -> None:
    shutil.copy(SECURE, workdir / "app.py")
    code, out, _ = _run("app.py")
    assert code == 0
    assert out.strip() == "0 findings in 1 file (4 routes, 4 DynamoDB calls examined)"


def test_findings_exit_1_with_path_line_col_and_fix(workdir: Path) -> None:
    code, out, _ = _run("app.py")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("app.py:32:16: DG101 ")
    assert "GET /profiles/{user_id}" in lines[0]
    assert lines[1].startswith("    fix: ")


def test_json_format(workdir: Path) -> None:
    code, out, _ = _run("app.py", "--format", "json")
    document = json.loads(out)
    assert code == 1
    assert [f["rule"] for f in document["findings"]] == ["DG101", "DG102", "DG102"]
    assert document["findings"][0]["route"] == "GET /profiles/{user_id}"


def test_sarif_format_is_uploadable_shape(workdir: Path) -> None:
    code, _, _ = _run("app.py", "--format", "sarif", "--output", "out.sarif")
    sarif = json.loads((workdir / "out.sarif").read_text())
    assert code == 1
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-schema-2.1.0.json")
    driver = sarif["runs"][0]["tool"]["driver"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert set(RULES) <= set(ids)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["help"]["text"] and rule["name"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning")
        assert float(rule["properties"]["security-severity"]) > 0
    results = sarif["runs"][0]["results"]
    assert len(results) == 3
    first = results[0]
    assert ids[first["ruleIndex"]] == first["ruleId"] == "DG101"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app.py"
    assert location["region"] == {"startLine": 32, "startColumn": 16}


def test_select_and_ignore(workdir: Path) -> None:
    _, out, _ = _run("app.py", "--select", "DG102", "--format", "json")
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"DG102"}
    _, out, _ = _run("app.py", "--ignore", "DG101,DG102", "--format", "json")
    assert json.loads(out)["findings"] == []


def test_fail_on_error_ignores_warnings(workdir: Path) -> None:
    (workdir / "app.py").write_text(
        (CORPUS / "dg104_scan.py").read_text().replace("# ruleid", "# note")
    )
    assert _run("app.py")[0] == 1
    assert _run("app.py", "--fail-on", "error")[0] == 0


def test_pyproject_config_and_flags_win(workdir: Path) -> None:
    (workdir / "pyproject.toml").write_text('[tool.dynaguard.lint]\nignore = ["DG101", "DG102"]\n')
    assert _run("app.py")[0] == 0
    assert _run("app.py", "--ignore", "DG101")[0] == 1
    assert _run("app.py", "--isolated")[0] == 1


def test_pyproject_exclude_applies_to_walked_directories(workdir: Path) -> None:
    (workdir / "pyproject.toml").write_text('[tool.dynaguard.lint]\nexclude = ["legacy/*"]\n')
    (workdir / "legacy").mkdir()
    shutil.move(workdir / "app.py", workdir / "legacy" / "app.py")
    assert _run(".")[0] == 0
    assert _run("legacy/app.py")[0] == 1


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ('[tool.dynaguard.lint]\nselect = ["DG999"]\n', "unknown rule id DG999"),
        ('[tool.dynaguard.lint]\nfail-on = "never"\n', "fail-on"),
        ('[tool.dynaguard.lint]\ncolour = "red"\n', "unknown key colour"),
        ("[tool.dynaguard.lint\n", "cannot read"),
    ],
)
def test_bad_config_exits_2(workdir: Path, config: str, needle: str) -> None:
    (workdir / "pyproject.toml").write_text(config)
    code, _, err = _run("app.py")
    assert code == 2
    assert needle in err
    assert len(err.strip().splitlines()) == 1


def test_unknown_rule_flag_exits_2(workdir: Path) -> None:
    code, _, err = _run("app.py", "--select", "DG1O1")
    assert code == 2
    assert err.strip() == "error: --select: unknown rule id DG1O1"


def test_inline_suppression_with_reason(workdir: Path) -> None:
    source = (workdir / "app.py").read_text()
    source = source.replace(
        "# ruleid: DG101", "# dynaguard: ignore[DG101] profiles are public by design"
    )
    (workdir / "app.py").write_text(source)
    _, out, _ = _run("app.py", "--format", "json")
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["DG102", "DG102"]


def test_suppression_without_reason_is_reported(workdir: Path) -> None:
    source = (
        (workdir / "app.py").read_text().replace("# ruleid: DG101", "# dynaguard: ignore[DG101]")
    )
    (workdir / "app.py").write_text(source)
    _, out, _ = _run("app.py", "--format", "json")
    rules = [f["rule"] for f in json.loads(out)["findings"]]
    assert "DG101" not in rules
    assert "DG100" in rules


def test_unparseable_file_is_a_warning_naming_it_and_the_rest_is_linted(workdir: Path) -> None:
    (workdir / "broken.py").write_text("def f(:\n    pass\n")
    code, out, err = _run("broken.py", "app.py")
    assert code == 1, "app.py's findings still decide the exit code"
    assert err.strip().splitlines() == [err.strip()]
    assert err.startswith("warning: broken.py:1:")
    assert "does not parse" in err
    assert "Traceback" not in err
    assert "DG101" in out
    (workdir / "app.py").write_text((SECURE).read_text())
    assert _run("broken.py", "app.py")[0] == 0


def test_exclude_flag_skips_globs_and_adds_to_config(workdir: Path) -> None:
    (workdir / "pyproject.toml").write_text('[tool.dynaguard.lint]\nexclude = ["legacy/*"]\n')
    (workdir / "legacy").mkdir()
    shutil.copy(workdir / "app.py", workdir / "legacy" / "old.py")
    (workdir / "gen").mkdir()
    shutil.move(workdir / "app.py", workdir / "gen" / "app.py")
    code, out, _ = _run(".", "--exclude", "gen")
    assert code == 0
    assert out.strip() == "0 findings in 0 files (0 routes, 0 DynamoDB calls examined)"
    assert _run(".")[0] == 1


def test_linting_an_excluded_folder_says_so(workdir: Path) -> None:
    (workdir / "pyproject.toml").write_text('[tool.dynaguard.lint]\nexclude = ["legacy/*"]\n')
    (workdir / "legacy").mkdir()
    shutil.move(workdir / "app.py", workdir / "legacy" / "app.py")
    code, out, err = _run("legacy")
    assert code == 2
    assert out == ""
    assert err.strip() == err.strip().splitlines()[0]
    assert "legacy: excluded by the exclude pattern 'legacy/*'" in err


def test_every_option_has_whole_sentence_help(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "220")
    exit_code, stdout, _ = _run("--help")
    assert exit_code == 0
    options = (
        "--format",
        "--output",
        "--select",
        "--ignore",
        "--exclude",
        "--fail-on",
        "--isolated",
    )
    for option in options:
        line = next(li for li in stdout.splitlines() if li.lstrip("│ ").startswith(option))
        text = line.rstrip().rstrip("│").split("[default")[0].rstrip()
        assert text.endswith("."), line
        assert "  in " not in text, f"markup swallowed part of the help: {line}"
    assert "[tool.dynaguard.lint]" in stdout


def test_nonexistent_path_through_the_real_entry_point(tmp_path: Path) -> None:
    """The installed command, not just the function: one line on stderr, exit 2."""
    completed = subprocess.run(
        [sys.executable, "-m", "dynaguard", "lint", "missing_dir"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip() == "error: missing_dir: no such file or directory"
    assert completed.stdout == ""


def test_a_clean_result_without_routes_says_nothing_was_checked(workdir: Path) -> None:
    """A clean verdict shows its reach: code with no route is not reported as merely clean."""
    (workdir / "helpers.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    code, out, _ = _run("helpers.py")
    assert code == 0
    assert out.strip().splitlines() == [
        "0 findings in 1 file (0 routes, 0 DynamoDB calls examined)",
        "note: no FastAPI route was found, so no request handler was checked",
    ]


def test_unparseable_file_also_lands_in_json_errors(workdir: Path) -> None:
    (workdir / "broken.py").write_text("def f(:\n    pass\n")
    _, out, _ = _run("broken.py", "app.py", "--format", "json")
    errors = json.loads(out)["errors"]
    assert len(errors) == 1
    assert errors[0].startswith("broken.py:1:")
    assert "does not parse" in errors[0]


OUTSIDE = CORPUS / "projects" / "auth_outside_tree"


def test_dependencies_outside_the_tree_are_judged_by_name_and_noted_once(workdir: Path) -> None:
    shutil.copytree(OUTSIDE / "ledger", workdir / "ledger")
    code, out, err = _run("ledger/routes", "--format", "json")
    document = json.loads(out)
    assert code == 1
    assert {(f["rule"], f["route"]) for f in document["findings"]} == {
        ("DG101", "GET /entries/{entry_id}"),
        ("DG101", "GET /entries/count/{entry_id}"),
        ("DG105", "GET /entries/count/{entry_id}"),
        ("DG101", "GET /entries/recent/{entry_id}"),
    }
    assert document["notes"] == [
        "`ledger.db.get_table` is outside the linted tree; judged by its name as not "
        "authentication; declare it with `[tool.dynaguard.lint] auth = [...]` to confirm",
        "`ledger.guards.LoggedInUser` is outside the linted tree; judged by its name as "
        "authentication; declare it with `[tool.dynaguard.lint] auth = [...]` to confirm",
        "`ledger.guards.require_login` is outside the linted tree; judged by its name as "
        "authentication; declare it with `[tool.dynaguard.lint] auth = [...]` to confirm",
    ]
    assert err.count("note: `ledger.guards.require_login` is outside the linted tree") == 1


def test_declared_auth_dependency_is_authentication_without_a_note(workdir: Path) -> None:
    shutil.copytree(OUTSIDE / "ledger", workdir / "ledger")
    (workdir / "pyproject.toml").write_text(
        '[tool.dynaguard.lint]\nauth = ["ledger.guards.require_login", "get_table", '
        '"LoggedInUser"]\n'
    )
    _, out, _ = _run("ledger/routes", "--format", "json")
    document = json.loads(out)
    assert document["notes"] == []
    assert "DG105" not in {f["rule"] for f in document["findings"]}


def test_a_helper_under_five_routes_is_one_finding_with_the_routes(workdir: Path) -> None:
    shutil.copy(CORPUS / "projects" / "helper_five_routes" / "app.py", workdir / "app.py")
    _, out, _ = _run("app.py", "--format", "json")
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["line"]) for f in findings] == [("DG101", 16)]
    assert findings[0]["routes"] == [
        "GET /invoices/{invoice_id}",
        "GET /invoices/{invoice_id}/lines",
        "GET /invoices/{invoice_id}/pdf",
        "GET /invoices/{invoice_id}/status",
        "GET /invoices/{invoice_id}/total",
    ]
    _run("app.py", "--format", "sarif", "--output", "out.sarif")
    result = json.loads((workdir / "out.sarif").read_text())["runs"][0]["results"][0]
    related = result["relatedLocations"]
    assert [r["message"]["text"] for r in related] == findings[0]["routes"]
    assert [r["id"] for r in related] == [1, 2, 3, 4, 5]
    lines = [r["physicalLocation"]["region"]["startLine"] for r in related]
    assert all(line > 16 for line in lines)


def test_the_lint_entry_imports_neither_the_full_cli_nor_fastapi(tmp_path: Path) -> None:
    """Start-up: `dynaguard lint` loads the linter alone (pre-commit runs it on every commit)."""
    (tmp_path / "app.py").write_text("x = 1\n")
    script = (
        "import sys\n"
        "from dynaguard.launch import main\n"
        "sys.argv = ['dynaguard', 'lint', 'app.py']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        "    code = done.code\n"
        "heavy = ('fastapi', 'pydantic_settings', 'dynaguard.cli', 'dynaguard.probe', 'boto3')\n"
        "loaded = sorted(m for m in heavy if m in sys.modules)\n"
        "print(code, loaded)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert completed.stdout.strip().splitlines()[-1] == "0 []"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ((), "Missing argument 'PATHS'."),
        (("app.py", "--bogus"), "unrecognized arguments: --bogus"),
        (("app.py", "--format", "xml"), "invalid choice: 'xml'"),
        (("app.py", "--form", "json"), "unrecognized arguments: --form"),
        (("app.py", "--select"), "expected one argument"),
        (("app.py", "-h"), "unrecognized arguments: -h"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    workdir: Path, args: tuple[str, ...], needle: str
) -> None:
    """Bad command lines: exit 2, nothing on stdout, one `error: ...` line pointing at --help
    (options are spelled out, never abbreviated; `--help` is the only help flag, as before)."""
    code, out, err = _run(*args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert needle in err
    assert err.rstrip().endswith("(see `dynaguard lint --help`)")


def test_option_spellings(workdir: Path) -> None:
    """`--opt=value`, short forms, repeated lists and paths after options all parse as before."""
    joined = json.loads(_run("--format=json", "app.py", "--select=DG102")[1])
    assert [f["rule"] for f in joined["findings"]] == ["DG102", "DG102"]
    short = json.loads(_run("-f", "json", "--select", "DG101", "--select", "DG102", "app.py")[1])
    assert [f["rule"] for f in short["findings"]] == ["DG101", "DG102", "DG102"]
    code, _, _ = _run("app.py", "-o", "report.txt", "--fail-on", "error")
    assert code == 1
    assert (workdir / "report.txt").read_text().startswith("app.py:32:16: DG101 ")


def test_the_lint_entry_imports_no_cli_framework(tmp_path: Path) -> None:
    """Start-up: the lint command line is argparse's; typer, click, rich and pydantic (which
    typer imports to build a command) stay unloaded, and so does the SARIF reporter."""
    (tmp_path / "app.py").write_text("x = 1\n")
    script = (
        "import sys\n"
        "from dynaguard.launch import main\n"
        "sys.argv = ['dynaguard', 'lint', '--isolated', 'app.py']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        "    code = done.code\n"
        "heavy = ('typer', 'click', 'rich', 'pydantic', 'dynaguard.lint.reporters.sarif')\n"
        "print(code, sorted(m for m in heavy if m in sys.modules))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert completed.stdout.strip().splitlines()[-1] == "0 []"
    control = script.replace("'--isolated', 'app.py'", "'--isolated', '-f', 'sarif', 'app.py'")
    completed = subprocess.run(
        [sys.executable, "-c", control], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert completed.stdout.strip().splitlines()[-1] == "0 ['dynaguard.lint.reporters.sarif']"
