"""Which token goes to which host (gh's rule), plain HTTP refused, and tokens never shown.

A committed ``dslp.toml`` is written by whoever wrote the repository, so its ``[tracker]
base_url`` must not be able to collect any of the user's tokens or read one off the wire: it
may only refine the API path on a host the person chose (the remote's, or GH_HOST).
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from requests.exceptions import InvalidHeader

from dslp_tui import cli
from dslp_tui.process import Kind
from dslp_tui.sources.github import (
    AuthError,
    ChosenHosts,
    GitHubTracker,
    api_base_for,
    api_host,
    find_token,
    gh_host,
    normalize_host,
)
from dslp_tui.tracker import TrackerError

ALL_TOKENS = {
    "GH_TOKEN": "ghp_gh_token",
    "GITHUB_TOKEN": "ghp_github_token",
    "GH_ENTERPRISE_TOKEN": "ghe_gh_enterprise",
    "GITHUB_ENTERPRISE_TOKEN": "ghe_github_enterprise",
    "PATH": "",  # no gh CLI
}
DOTCOM_SECRET = "ghp_dotcom_secret_123"
ENTERPRISE_SECRET = "ghe_enterprise_secret_456"


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["github.com", "api.github.com", "API.GitHub.com", "github.com.", "acme.ghe.com", "api.acme.ghe.com"]
)
def test_github_com_and_its_tenants_take_gh_token_then_github_token(host: str) -> None:
    assert find_token(host, ALL_TOKENS) == "ghp_gh_token"
    assert find_token(host, {**ALL_TOKENS, "GH_TOKEN": ""}) == "ghp_github_token"


@pytest.mark.parametrize(
    "host",
    [
        "ghe.example.com",
        "github.com.evil.example",  # looks like github.com, is not
        "evilgithub.com",
        "ghe.com",
        "127.0.0.1",
        "127.0.0.2",
        "localhost",
        "::1",
    ],
)
def test_any_other_host_takes_only_the_enterprise_tokens(host: str) -> None:
    assert find_token(host, ALL_TOKENS) == "ghe_gh_enterprise"
    assert find_token(host, {**ALL_TOKENS, "GH_ENTERPRISE_TOKEN": " "}) == "ghe_github_enterprise"


def test_the_missing_variable_is_named_for_the_host() -> None:
    with pytest.raises(AuthError) as caught:
        find_token("ghe.example.com", {"GITHUB_TOKEN": DOTCOM_SECRET, "GH_TOKEN": DOTCOM_SECRET, "PATH": ""})
    message = str(caught.value)
    assert "No GitHub token for ghe.example.com: set GH_ENTERPRISE_TOKEN (or GITHUB_ENTERPRISE_TOKEN)" in message
    assert "`gh auth login --hostname ghe.example.com`" in message
    assert "GH_TOKEN and GITHUB_TOKEN are not sent to ghe.example.com" in message
    assert DOTCOM_SECRET not in message
    with pytest.raises(AuthError, match=r"for github\.com: set GH_TOKEN \(or GITHUB_TOKEN\), or run `gh auth login`"):
        find_token("api.github.com", {"GH_ENTERPRISE_TOKEN": ENTERPRISE_SECRET, "PATH": ""})


def test_gh_auth_token_is_asked_for_the_host_the_requests_go_to(tmp_path: Path) -> None:
    gh = tmp_path / "gh"
    gh.write_text('#!/bin/sh\n[ "$1 $2" = "auth token" ] && echo "gho_for_${3#--hostname=}"\n')
    gh.chmod(0o755)
    environ = {"PATH": str(tmp_path), "GITHUB_TOKEN": ""}
    assert find_token("api.github.com", environ) == "gho_for_github.com"
    assert find_token("ghe.example.com", environ) == "gho_for_ghe.example.com"
    assert find_token("api.acme.ghe.com", environ) == "gho_for_acme.ghe.com"
    assert find_token("127.0.0.1", {**environ, "GH_ENTERPRISE_TOKEN": "ghe_env"}) == "ghe_env"  # env first


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("github.com", "https://api.github.com"),
        ("ssh.github.com", "https://api.github.com"),
        ("acme.ghe.com", "https://api.acme.ghe.com"),
        ("ghe.example.com", "https://ghe.example.com/api/v3"),
    ],
)
def test_api_base_for_each_kind_of_host(host: str, expected: str) -> None:
    assert api_base_for(host, "") == expected
    assert normalize_host(api_host(expected)) == normalize_host(host)


# --- the base URL -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://api.github.com", "api.github.com"),
        ("https://ghe.example.com/api/v3", "ghe.example.com"),
        ("http://127.0.0.1:8080/api/v3", "127.0.0.1"),
        ("http://127.0.0.2:9", "127.0.0.2"),
        ("http://[::1]:9/", "::1"),
        ("http://localhost:9/", "localhost"),
    ],
)
def test_https_anywhere_plain_http_only_to_loopback(url: str, host: str) -> None:
    assert api_host(url) == host


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://ghe.example.com/api/v3", "plain http:// to ghe.example.com"),
        ("http://api.github.com", "plain http:// to api.github.com"),
        ("http://10.0.0.1/api/v3", "plain http:// to 10.0.0.1"),
        ("https://github.com:ghp_in_url@evil.example/", "must not hold a user name or password"),
        ("ftp://ghe.example.com/", "must be an https:// URL"),
        ("api.github.com", "must be an https:// URL"),
        ("https://host:port/", "not a valid URL"),
    ],
)
def test_a_base_url_that_could_leak_the_token_is_refused(url: str, words: str) -> None:
    with pytest.raises(TrackerError) as caught:
        api_host(url)
    message = str(caught.value)
    assert "[tracker] base_url in dslp.toml" in message and words in message
    assert "ghp_in_url" not in message


# --- token characters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token", ["secret\nX-Injected: 1", "secret\r\nX: 1", "sec ret", "sec\tret", "s\x00ecret", "sécret", "\x1b[31mred"]
)
def test_a_token_with_bad_characters_is_refused_and_never_repeated(token: str) -> None:
    with pytest.raises(AuthError) as caught:
        find_token("github.com", {"GITHUB_TOKEN": token})
    message = str(caught.value)
    assert "GITHUB_TOKEN" in message and token not in message
    assert all(piece not in message for piece in token.split() if len(piece) >= 3)
    with pytest.raises(AuthError) as caught:
        GitHubTracker("acme/churn-model", token, "http://127.0.0.1:9", {"Ask": Kind.ASK})
    assert "secret" not in str(caught.value)


def test_surrounding_whitespace_is_not_part_of_the_token(tmp_path: Path) -> None:
    assert find_token("github.com", {"GH_TOKEN": " ghp_abc\n"}) == "ghp_abc"
    gh = tmp_path / "gh"
    gh.write_text('#!/bin/sh\nprintf "gho_a\\tb\\n"\n')
    gh.chmod(0o755)
    with pytest.raises(AuthError, match=r"`gh auth token --hostname github\.com`") as caught:
        find_token("github.com", {"PATH": str(tmp_path)})
    assert "gho_a" not in str(caught.value)


def test_the_token_is_taken_out_of_exception_text_however_it_is_quoted() -> None:
    token = "ghp_a\\b'c\"d"
    tracker = GitHubTracker("acme/churn-model", token, "http://127.0.0.1:9", {"Ask": Kind.ASK})
    for text in (repr(f"token {token}"), json.dumps({"Authorization": f"token {token}"}), f"token {token}"):
        error = tracker._error(InvalidHeader(f"Invalid header value {text}"))
        assert "ghp_a" not in str(error), text


# --- end to end: a hostile dslp.toml ----------------------------------------------------------


class Recorder(ThreadingHTTPServer):
    """An HTTP server that writes down every Authorization header it is sent, and answers 401."""

    def __init__(self, host: str) -> None:
        self.seen: list[str | None] = []
        super().__init__((host, 0), _RecordingHandler)


class _RecordingHandler(BaseHTTPRequestHandler):
    server: Recorder

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.seen.append(self.headers.get("Authorization"))
        body = b'{"message": "Bad credentials"}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(params=["127.0.0.1", "127.0.0.2"])
def recorder(request: pytest.FixtureRequest) -> Iterator[Recorder]:
    server = Recorder(request.param)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def hostile_clone(tmp_path: Path, base_url: str) -> Path:
    """A repository whose committed dslp.toml points the GitHub tracker at ``base_url``."""
    work = tmp_path / "cloned"
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    (work / "dslp.toml").write_text(f'[tracker]\nkind = "github"\nrepo = "acme/x"\nbase_url = "{base_url}"\n')
    return work


def test_a_loopback_base_url_never_gets_the_github_com_token(
    tmp_path: Path, recorder: Recorder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    host, port = recorder.server_address[:2]
    work = hostile_clone(tmp_path, f"http://{host}:{port}/api/v3")
    monkeypatch.setenv("GH_HOST", host)  # the person chose this host
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # git, but no gh CLI
    monkeypatch.setenv("GITHUB_TOKEN", DOTCOM_SECRET)
    monkeypatch.setenv("GH_TOKEN", DOTCOM_SECRET)
    assert cli.main(["--repo", str(work), "status"]) == 2
    err = capsys.readouterr().err
    assert f"No GitHub token for {host}: set GH_ENTERPRISE_TOKEN" in err and DOTCOM_SECRET not in err
    assert recorder.seen == []  # not even asked
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", ENTERPRISE_SECRET)
    assert cli.main(["--repo", str(work), "status"]) == 1
    err = capsys.readouterr().err
    assert "401" in err and "GH_ENTERPRISE_TOKEN" in err and ENTERPRISE_SECRET not in err
    assert recorder.seen and set(recorder.seen) == {f"token {ENTERPRISE_SECRET}"}


@pytest.mark.parametrize(
    ("base_url", "words"),
    [
        ("http://ghe.example.invalid/api/v3", "plain http:// to ghe.example.invalid"),
        ("https://github.com.evil.invalid/api/v3", "would send your token to github.com.evil.invalid"),
        ("https://github.com@evil.invalid/api/v3", "must not hold a user name or password"),
    ],
)
def test_a_remote_base_url_is_refused_before_any_request(
    tmp_path: Path, base_url: str, words: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = hostile_clone(tmp_path, base_url)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("GITHUB_TOKEN", DOTCOM_SECRET)
    if base_url.startswith("http:"):
        monkeypatch.setenv("GH_ENTERPRISE_TOKEN", ENTERPRISE_SECRET)  # refused even with the right variable
    assert cli.main(["--repo", str(work), "status"]) == 2
    err = capsys.readouterr().err
    assert words in err and DOTCOM_SECRET not in err and ENTERPRISE_SECRET not in err


def test_a_token_holding_a_newline_is_never_printed(
    tmp_path: Path, recorder: Recorder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    host, port = recorder.server_address[:2]
    work = hostile_clone(tmp_path, f"http://{host}:{port}")
    monkeypatch.setenv("GH_HOST", host)
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", "token_secret\nX-Injected: 1")
    assert cli.main(["--repo", str(work), "status"]) == 2
    err = capsys.readouterr().err
    assert "GH_ENTERPRISE_TOKEN" in err and "token_secret" not in err and "X-Injected" not in err
    assert recorder.seen == []


# --- the host is the person's choice, never dslp.toml's -------------------------------------------


def spy_gh(tmp_path: Path) -> Path:
    """A ``gh`` on PATH that notes each call (and would hand out a token): reading a token
    leaves a trace in the returned file."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "gh-calls"
    gh = bin_dir / "gh"
    gh.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\necho gho_from_gh_cli\n')
    gh.chmod(0o755)
    return calls


@pytest.mark.parametrize(
    ("remote", "named"),
    [
        (None, "the remote 'origin' names no host and GH_HOST is not set (so the host is github.com)"),
        ("https://github.com/acme/x.git", "the remote 'origin' names github.com and GH_HOST is not set"),
        ("git@ghe.example.com:acme/x.git", "the remote 'origin' names ghe.example.com and GH_HOST is not set"),
        ("https://127.0.0.1/acme/x.git", "the remote 'origin' names 127.0.0.1 and GH_HOST is not set"),
    ],
)
def test_a_dslp_toml_cannot_send_a_token_to_a_host_the_person_did_not_choose(
    tmp_path: Path,
    remote: str | None,
    named: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    evil = Recorder("127.0.0.2")
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        port = evil.server_address[1]
        work = hostile_clone(tmp_path, f"http://127.0.0.2:{port}/api/v3")
        if remote:
            subprocess.run(["git", "-C", str(work), "remote", "add", "origin", remote], check=True)
        calls = spy_gh(tmp_path)
        monkeypatch.setenv("PATH", f"{calls.parent / 'bin'}:/usr/bin:/bin")
        monkeypatch.setenv("GH_ENTERPRISE_TOKEN", ENTERPRISE_SECRET)
        monkeypatch.setenv("GITHUB_ENTERPRISE_TOKEN", ENTERPRISE_SECRET)
        monkeypatch.setenv("GH_TOKEN", DOTCOM_SECRET)
        assert cli.main(["--repo", str(work), "status"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1  # one line
        assert f"[tracker] base_url in dslp.toml would send your token to 127.0.0.2, but {named}" in err
        assert "set GH_HOST=127.0.0.2 if you mean it" in err
        assert ENTERPRISE_SECRET not in err and DOTCOM_SECRET not in err and "gho_from_gh_cli" not in err
        assert evil.seen == []  # no request reached the other host
        assert not calls.exists()  # and no token was even read from gh
    finally:
        evil.shutdown()
        evil.server_close()


def test_gh_host_or_a_matching_remote_lets_dslp_toml_name_the_host(
    tmp_path: Path, recorder: Recorder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    host, port = recorder.server_address[:2]
    work = hostile_clone(tmp_path, f"http://{host}:{port}/api/v3")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", ENTERPRISE_SECRET)
    monkeypatch.setenv("GH_HOST", f"{host}:{port}")  # gh's override; a port in it is not part of the host
    assert cli.main(["--repo", str(work), "status"]) == 1
    assert "401" in capsys.readouterr().err
    assert recorder.seen == [f"token {ENTERPRISE_SECRET}"]
    monkeypatch.delenv("GH_HOST")
    subprocess.run(["git", "-C", str(work), "remote", "add", "origin", f"https://{host}/acme/x.git"], check=True)
    assert cli.main(["--repo", str(work), "status"]) == 1
    assert "401" in capsys.readouterr().err
    assert recorder.seen == [f"token {ENTERPRISE_SECRET}"] * 2


@pytest.mark.parametrize(
    ("remote_host", "env_host", "api"),
    [
        ("github.com", "", "api.github.com"),
        ("ssh.github.com", "", "api.github.com"),
        ("", "", "api.github.com"),  # no host chosen: gh's default, github.com
        ("acme.ghe.com", "", "api.acme.ghe.com"),
        ("ghe.example.com", "", "GHE.example.com"),
        ("github.com", "ghe.example.com", "ghe.example.com"),
        ("", "127.0.0.1", "127.0.0.1"),
    ],
)
def test_base_url_may_refine_the_path_on_a_chosen_host(remote_host: str, env_host: str, api: str) -> None:
    ChosenHosts("origin", remote_host, env_host).check(api)


@pytest.mark.parametrize(
    ("remote_host", "env_host", "api"),
    [
        ("github.com", "", "evil.example"),
        ("github.com", "", "github.com.evil.example"),
        ("", "", "ghe.example.com"),
        ("acme.ghe.com", "", "api.other.ghe.com"),
        ("ghe.example.com", "", "api.ghe.example.com"),  # gh maps api.HOST to HOST only for github.com and ghe.com
        ("ghe.example.com", "github.com", "127.0.0.1"),
    ],
)
def test_base_url_naming_another_host_is_refused(remote_host: str, env_host: str, api: str) -> None:
    with pytest.raises(TrackerError, match=rf"set GH_HOST={normalize_host(api)} if you mean it"):
        ChosenHosts("origin", remote_host, env_host).check(api)


def test_gh_host_is_read_as_gh_reads_it() -> None:
    assert gh_host({}) == "" and gh_host({"GH_HOST": " "}) == ""
    assert gh_host({"GH_HOST": "GHE.Example.com"}) == "ghe.example.com"
    assert gh_host({"GH_HOST": "127.0.0.1:8080"}) == "127.0.0.1"
    assert gh_host({"GH_HOST": "https://ghe.example.com/"}) == "ghe.example.com"
    with pytest.raises(TrackerError, match=r"^GH_HOST='ev il' is not a host name; set it to one such as") as caught:
        gh_host({"GH_HOST": "ev il\x1b[31m"})
    assert "\x1b" not in str(caught.value)
