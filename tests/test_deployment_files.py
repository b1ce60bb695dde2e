"""The deployment files (Dockerfile, docker-compose.yml, deploy/nginx.conf) agree with the code.

Docker does not run where the tests run, so these tests read the files instead: every environment
variable the compose file gives the project's processes is one settings.py reads, and the ones the
production profile requires are all there; every command names a manage.py command, a Celery app or a
WSGI callable that exists, with options its program accepts; every copied or mounted file is in the
repository; and the chain nginx -> web -> gunicorn's port is connected. No test touches the database.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path, PurePosixPath

import click
import pytest
import yaml
from celery import Celery
from celery.app.control import Inspect
from celery.app.utils import find_app
from celery.bin.base import CLIContext
from celery.bin.celery import celery as celery_cli
from django.conf import settings
from django.core.management import CommandError, get_commands, load_command_class
from django.http.request import validate_host
from django.urls import resolve
from gunicorn.config import Config as GunicornConfig

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_PATH = ROOT / "docker-compose.yml"
DOCKERFILE_PATH = ROOT / "Dockerfile"
NGINX_PATH = ROOT / "deploy" / "nginx.conf"
SETTINGS_PATH = ROOT / "yaoyao_mediation" / "settings.py"

REQUIRED_SERVICES = {"postgres", "redis", "web", "worker", "beat", "nginx"}
# The services that run the project's image and so read settings.py.
APP_SERVICES = ("migrate", "web", "worker", "beat")
STARTED_AFTER_MIGRATE = ("web", "worker", "beat")
ALWAYS_REQUIRED_IN_PRODUCTION = {"DJANGO_PROFILE", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}
CJK_FONT_PACKAGES = {"fonts-noto-cjk", "fonts-wqy-microhei"}
RUNTIME_PACKAGES = {"libharfbuzz-subset0", "libpango-1.0-0", "libpangoft2-1.0-0", "libpq5"}
# What an operator puts in .env: enough for every ${VAR:?...} in the compose file.
OPERATOR_ENV = {
    "SECRET_KEY": "deployment-test-secret-key-deployment-test-secret-key-0123456789",
    "ALLOWED_HOSTS": "jdrh.example.org",
    "POSTGRES_PASSWORD": "0123456789abcdef",
    "FIELD_ENCRYPTION_KEYS": "k1:ZGVwbG95bWVudC10ZXN0LWZpZWxkLWtleS0wMTIzNDU=",
    "FIELD_HASH_KEY": "ZGVwbG95bWVudC10ZXN0LWxvb2t1cC1oYXNoLWtleS0wMTIzNDU2Nzg5",
}


# --- settings.py ----------------------------------------------------------------------------------

ENV_READ = re.compile(
    r"""\benv_(?:str|bool|int|list|choices|url)\(\s*["'](\w+)["']"""
    r"""|\bos\.environ(?:\.get|\.setdefault|\.pop)?\s*[(\[]\s*["'](\w+)["']"""
    r"""|\bos\.getenv\(\s*["'](\w+)["']"""
)
REQUIRED_MESSAGE = re.compile(r"""["'](\w+) is required in the production profile""")


def env_names_read(source: str) -> set[str]:
    return {next(group for group in match.groups() if group) for match in ENV_READ.finditer(source)}


def production_required_names(source: str) -> set[str]:
    return ALWAYS_REQUIRED_IN_PRODUCTION | set(REQUIRED_MESSAGE.findall(source))


def settings_source() -> str:
    return SETTINGS_PATH.read_text(encoding="utf-8")


# --- docker-compose.yml -----------------------------------------------------------------------------


class InterpolationError(Exception):
    pass


INTERPOLATION = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)")


def interpolate(value: str, outer: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error} and $$."""

    def substitute(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg")
        current = outer.get(name)
        missing = current is None or (current == "" and op is not None and op.startswith(":"))
        if op in (":-", "-"):
            return arg if missing else current
        if op in (":?", "?") and missing:
            raise InterpolationError(f"{name}: {arg}")
        return current or ""

    return INTERPOLATION.sub(substitute, value)


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE_PATH.read_text(encoding="utf-8"))


def environment_of(service: dict) -> dict[str, str | None]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = [item.split("=", 1) for item in env]
        return {pair[0]: pair[1] if len(pair) == 2 else None for pair in pairs}
    return {name: None if value is None else str(value) for name, value in env.items()}


def resolved_environment(service: dict, outer: dict[str, str]) -> dict[str, str]:
    return {name: interpolate(value or "", outer) for name, value in environment_of(service).items()}


def depends_on_of(service: dict) -> dict[str, str]:
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return {name: "service_started" for name in depends}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in depends.items()}


def split_command(command: str | list) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def command_of(service: dict) -> list[str] | None:
    """The command a service runs: its own, or the image's CMD for services built from the Dockerfile."""
    if service.get("command") is not None:
        return split_command(service["command"])
    if service.get("build") is not None:
        return dockerfile_cmd(dockerfile_text())
    return None


def runs_beat(command: list[str] | None) -> bool:
    if not command or command[0] != "celery":
        return False
    return "beat" in command or ("worker" in command and ("-B" in command or "--beat" in command))


def volume_mounts(service: dict) -> dict[str, str]:
    """Mount target -> source (a named volume, or a path relative to the compose file)."""
    mounts = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            mounts[volume["target"]] = volume.get("source", "")
        else:
            source, target = volume.split(":")[:2]
            mounts[target] = source
    return mounts


def is_bind_source(source: str) -> bool:
    return source.startswith((".", "/", "~"))


def compose_problems(compose: dict, readable: set[str], required: set[str]) -> list[str]:
    problems = []
    services = compose.get("services") or {}
    problems += [f"service {name!r} is missing" for name in sorted(REQUIRED_SERVICES - services.keys())]

    for name in APP_SERVICES:
        if name not in services:
            if name not in REQUIRED_SERVICES:  # those are reported above
                problems.append(f"service {name!r} is missing")
            continue
        env = environment_of(services[name])
        problems += [f"{name} sets {var}, which settings.py does not read" for var in sorted(env.keys() - readable)]
        problems += [
            f"{name} does not set {var}, which the production profile requires" for var in sorted(required - env.keys())
        ]
        if env.get("DJANGO_PROFILE") != "production":
            problems.append(f"{name} does not run the production profile")

    beat_replicas = ((services.get("beat") or {}).get("deploy") or {}).get("replicas")
    if beat_replicas != 1:
        problems.append(f"beat declares deploy.replicas {beat_replicas!r}, not 1")
    beats = sum(
        ((service.get("deploy") or {}).get("replicas", 1))
        for service in services.values()
        if runs_beat(command_of(service))
    )
    if beats != 1:
        problems.append(f"{beats} Celery beat processes would run, not exactly one")

    for name, service in services.items():
        problems += [
            f"{name} depends on {dependency!r}, which is no service"
            for dependency in depends_on_of(service)
            if dependency not in services
        ]
        for target, source in volume_mounts(service).items():
            if is_bind_source(source):
                if not (COMPOSE_PATH.parent / source).exists():
                    problems.append(f"{name} mounts {source}, which is not in the repository")
            elif source not in (compose.get("volumes") or {}):
                problems.append(f"{name} mounts volume {source!r} at {target}, which is not declared")
    for name in STARTED_AFTER_MIGRATE:
        condition = depends_on_of(services.get(name) or {}).get("migrate")
        if condition != "service_completed_successfully":
            problems.append(f"{name} does not wait for migrate to complete successfully")
    return problems


# --- Dockerfile ------------------------------------------------------------------------------------


def dockerfile_text() -> str:
    return DOCKERFILE_PATH.read_text(encoding="utf-8")


def dockerfile_instructions(text: str) -> list[tuple[int, str, str]]:
    """(stage number, INSTRUCTION, arguments), continuation lines joined and comment lines dropped."""
    logical, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    if current:
        logical.append(current)
    instructions, stage = [], -1
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append((stage, keyword, arguments.strip()))
    return instructions


def final_stage(text: str) -> list[tuple[str, str]]:
    instructions = dockerfile_instructions(text)
    last = max(stage for stage, _, _ in instructions)
    return [(keyword, arguments) for stage, keyword, arguments in instructions if stage == last]


def apt_packages(text: str) -> set[str]:
    """Packages the final (shipped) stage installs with apt-get."""
    packages = set()
    for keyword, arguments in final_stage(text):
        if keyword != "RUN":
            continue
        for step in re.split(r"&&|;", arguments):
            words = shlex.split(step)
            if words[:2] == ["apt-get", "install"]:
                packages |= {word for word in words[2:] if not word.startswith("-")}
    return packages


def dockerfile_cmd(text: str) -> list[str]:
    arguments = [arguments for keyword, arguments in final_stage(text) if keyword == "CMD"][-1]
    return json.loads(arguments) if arguments.startswith("[") else ["/bin/sh", "-c", arguments]


def dockerfile_env(text: str) -> dict[str, str]:
    env = {}
    for keyword, arguments in final_stage(text):
        if keyword == "ENV":
            env.update(word.split("=", 1) for word in shlex.split(arguments))
    return env


def dockerfile_user(text: str) -> str | None:
    users = [arguments for keyword, arguments in final_stage(text) if keyword == "USER"]
    return users[-1] if users else None


def dockerfile_healthcheck_code(text: str) -> str:
    """The Python source the image's HEALTHCHECK runs with `python -c`."""
    arguments = [arguments for keyword, arguments in final_stage(text) if keyword == "HEALTHCHECK"][-1]
    _, _, command = arguments.partition("CMD ")
    words = shlex.split(command)
    assert words[:2] == ["python", "-c"], words
    return words[2]


def dockerfile_copies(text: str) -> list[tuple[str, list[str], str]]:
    """(WORKDIR, sources, destination) of every COPY/ADD from the build context (not --from=)."""
    copies, workdir = [], "/"
    for _stage, keyword, arguments in dockerfile_instructions(text):
        if keyword == "FROM":
            workdir = "/"
        elif keyword == "WORKDIR":
            workdir = str(PurePosixPath(workdir) / arguments)
        elif keyword in ("COPY", "ADD"):
            words = json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)
            if any(word.startswith("--from") for word in words):
                continue
            words = [word for word in words if not word.startswith("--")]
            copies.append((workdir, words[:-1], words[-1]))
    return copies


def build_time_settings_env(text: str) -> dict[str, str]:
    """The NAME=value assignments on the RUN line that runs collectstatic."""
    for keyword, arguments in final_stage(text):
        if keyword == "RUN" and "collectstatic" in arguments:
            words = shlex.split(arguments.split("&&")[0])
            return dict(word.split("=", 1) for word in words if re.fullmatch(r"\w+=.*", word))
    return {}


def manage_py_invocations(text: str) -> list[list[str]]:
    invocations = []
    for keyword, arguments in final_stage(text):
        if keyword == "RUN":
            for step in arguments.split("&&"):
                words = shlex.split(step)
                if "manage.py" in words:
                    invocations.append(words[words.index("manage.py") - 1 :])
    return invocations


# --- deploy/nginx.conf ----------------------------------------------------------------------------


def nginx_text() -> str:
    return re.sub(r"#[^\n]*", "", NGINX_PATH.read_text(encoding="utf-8"))


def nginx_proxy_targets(text: str) -> set[str]:
    """host:port of every server that proxy_pass reaches, through upstream blocks where named."""
    upstreams = {
        name: set(re.findall(r"^\s*server\s+([^\s;]+)", body, re.M))
        for name, body in re.findall(r"upstream\s+(\S+)\s*\{([^}]*)\}", text)
    }
    targets = set()
    for target in re.findall(r"proxy_pass\s+https?://([^\s;/]+)", text):
        targets |= upstreams.get(target, {target})
    return targets


def nginx_headers(text: str) -> dict[str, str]:
    return {name.lower(): value.strip() for name, value in re.findall(r"proxy_set_header\s+(\S+)\s+([^;]+);", text)}


# --- commands -------------------------------------------------------------------------------------


def manage_py_problems(arguments: list[str]) -> list[str]:
    if not arguments:
        return ["manage.py without a command"]
    name, rest = arguments[0], arguments[1:]
    commands = get_commands()
    if name not in commands:
        return [f"manage.py has no command {name!r}"]
    parser = load_command_class(commands[name], name).create_parser("manage.py", name)
    try:
        parser.parse_args(rest)
    except (CommandError, SystemExit):
        return [f"manage.py {name} does not accept {rest}"]
    return []


def celery_problems(arguments: list[str]) -> list[str]:
    app_name, position = None, 0
    while position < len(arguments) and arguments[position].startswith("-"):
        option = arguments[position]
        if option in ("-A", "--app"):
            app_name, position = arguments[position + 1], position + 2
        elif option.startswith("--app="):
            app_name, position = option.partition("=")[2], position + 1
        else:
            return [f"celery: unexpected option {option}"]
    if app_name is None or position >= len(arguments):
        return ["celery without -A APP and a command"]
    try:
        app = find_app(app_name)
    except (ImportError, AttributeError):
        return [f"celery: no Celery app in {app_name!r}"]
    if not isinstance(app, Celery):
        return [f"celery: {app_name!r} is not a Celery app"]
    subcommand, rest = arguments[position], arguments[position + 1 :]
    if subcommand not in celery_cli.commands:
        return [f"celery has no command {subcommand!r}"]
    context_object = CLIContext(app=app, no_color=True, workdir=None, quiet=True)
    try:
        context = celery_cli.commands[subcommand].make_context(subcommand, list(rest), obj=context_object)
    except click.ClickException as error:
        return [f"celery {subcommand}: {error.format_message()}"]
    if subcommand == "inspect" and not callable(getattr(Inspect, context.params["command"], None)):
        return [f"celery inspect has no action {context.params['command']!r}"]
    return []


def gunicorn_arguments(arguments: list[str]):
    return GunicornConfig().parser().parse_args(arguments)


def gunicorn_problems(arguments: list[str]) -> list[str]:
    try:
        parsed = gunicorn_arguments(arguments)
    except SystemExit:
        return [f"gunicorn does not accept {arguments}"]
    if len(parsed.args) != 1:
        return [f"gunicorn needs exactly one application, got {parsed.args}"]
    module_name, _, attribute = parsed.args[0].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return [f"gunicorn: no module {module_name!r}"]
    if not callable(getattr(module, attribute or "application", None)):
        return [f"gunicorn: {parsed.args[0]!r} is not a WSGI callable"]
    return []


def command_problems(command: list[str]) -> list[str]:
    if command[:2] == ["python", "manage.py"]:
        return manage_py_problems(command[2:])
    if command[0] == "celery":
        return celery_problems(command[1:])
    if command[0] == "gunicorn":
        return gunicorn_problems(command[1:])
    return [f"unknown program {command[0]!r}"]


def gunicorn_port(command: list[str]) -> int:
    (bind,) = gunicorn_arguments(command[1:]).bind
    return int(bind.rpartition(":")[2])


# --- the tests --------------------------------------------------------------------------------------


def test_compose_defines_the_services_and_configures_them_only_with_variables_settings_reads():
    source = settings_source()
    assert compose_problems(load_compose(), env_names_read(source), production_required_names(source)) == []


def test_settings_reads_every_variable_the_production_profile_requires():
    source = settings_source()
    assert production_required_names(source) <= env_names_read(source)


@pytest.mark.parametrize("missing", sorted(OPERATOR_ENV))
def test_compose_refuses_to_start_without_each_operator_secret(missing):
    outer = {name: value for name, value in OPERATOR_ENV.items() if name != missing}
    web = load_compose()["services"]["web"]
    with pytest.raises(InterpolationError, match=missing):
        resolved_environment(web, outer)


PROBE = """
import json
import django
django.setup()
from django.conf import settings as s
from django.urls import resolve
resolve("/healthz")
print(json.dumps({
    "DEBUG": s.DEBUG,
    "TRUSTED_PROXY_COUNT": s.TRUSTED_PROXY_COUNT,
    "URL_GROUPS": s.URL_GROUPS,
    "DB_HOST": s.DATABASES["default"]["HOST"],
    "BROKER": s.CELERY_BROKER_URL,
    "MEDIA_ROOT": str(s.MEDIA_ROOT),
    "BEAT_SCHEDULE": s.CELERY_BEAT_SCHEDULE_FILENAME,
}))
"""


def configured_settings(env: dict[str, str]) -> dict:
    """Import the settings in a fresh interpreter with exactly `env`: no database is contacted."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def container_env(service: dict) -> dict[str, str]:
    image_env = {name: value for name, value in dockerfile_env(dockerfile_text()).items() if name != "PATH"}
    return {**image_env, **resolved_environment(service, OPERATOR_ENV)}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_each_app_service_environment_configures_production_settings(name):
    compose = load_compose()
    service = compose["services"][name]
    values = configured_settings(container_env(service))
    assert values["DEBUG"] is False
    assert values["DB_HOST"] in compose["services"], "DATABASE_URL names no compose service"
    assert values["BROKER"].split("//")[1].split(":")[0] in compose["services"], "REDIS_URL names no service"
    if name == "web":
        assert values["TRUSTED_PROXY_COUNT"] == 1, "nginx is exactly one proxy in front of web"
        assert set(values["URL_GROUPS"]) == settings.URL_GROUP_NAMES
    if name == "beat":
        schedule = PurePosixPath(values["BEAT_SCHEDULE"])
        assert any(schedule.is_relative_to(target) for target in volume_mounts(service)), (
            "beat's schedule file is not on a volume"
        )


def test_web_and_worker_share_the_media_volume_at_media_root():
    services = load_compose()["services"]
    volumes = set()
    for name in ("web", "worker"):
        media_root = PurePosixPath(resolved_environment(services[name], OPERATOR_ENV)["MEDIA_ROOT"])
        mounts = volume_mounts(services[name])
        sources = {source for target, source in mounts.items() if media_root.is_relative_to(target)}
        assert sources, f"{name}: MEDIA_ROOT {media_root} is on no volume"
        volumes |= sources
    assert len(volumes) == 1 and not is_bind_source(volumes.pop())


def test_exactly_one_beat_is_declared_and_the_worker_does_not_embed_another():
    services = load_compose()["services"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert [name for name, service in services.items() if runs_beat(command_of(service))] == ["beat"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_app_service_command_names_something_that_exists(name):
    command = command_of(load_compose()["services"][name])
    assert command is not None
    assert command_problems(command) == []


def test_the_migrate_service_migrates_and_web_gunicorn_serves_the_wsgi_application():
    services = load_compose()["services"]
    assert command_of(services["migrate"])[:4] == ["python", "manage.py", "migrate", "--noinput"]
    web = command_of(services["web"])
    assert web[0] == "gunicorn"
    module, _, attribute = settings.WSGI_APPLICATION.rpartition(".")
    assert gunicorn_arguments(web[1:]).args == [f"{module}:{attribute}"]
    assert gunicorn_arguments(web[1:]).bind == ["0.0.0.0:8000"]


def test_every_healthcheck_command_names_something_that_exists():
    compose = load_compose()
    for name in APP_SERVICES:
        test = (compose["services"][name].get("healthcheck") or {}).get("test")
        if not test or test[0] != "CMD-SHELL":
            continue
        command = shlex.split(interpolate(test[1], {}))
        assert command_problems(command) == [], name


def test_dockerfile_runs_manage_py_commands_that_exist():
    invocations = manage_py_invocations(dockerfile_text())
    assert any(invocation[2:3] == ["collectstatic"] for invocation in invocations)
    for invocation in invocations:
        assert command_problems(invocation) == []


def test_build_time_collectstatic_works_without_a_database_or_broker(tmp_path):
    text = dockerfile_text()
    build_env = build_time_settings_env(text)
    source = settings_source()
    assert build_env.keys() <= env_names_read(source)
    assert production_required_names(source) <= build_env.keys()
    assert build_env["DJANGO_PROFILE"] == "production", "the manifest must be the production storage's"
    # Nothing listens on the build line's database and Redis ports: a connection attempt would fail.
    # --dry-run skips whitenoise's compression, which takes the better part of a minute; settings,
    # app loading and the command itself run as in the image build.
    env = {**dockerfile_env(text), **build_env, "STATIC_ROOT": str(tmp_path / "static")}
    env.pop("PATH")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--dry-run"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"[1-9]\d* static files? copied", result.stdout), result.stdout


def test_dockerfile_installs_weasyprint_libraries_a_cjk_font_and_libpq_in_the_shipped_stage():
    packages = apt_packages(dockerfile_text())
    assert packages >= RUNTIME_PACKAGES
    assert packages & CJK_FONT_PACKAGES
    assert not packages & {"gcc", "libpq-dev"}, "the compiler stays in the build stage"


def test_dockerfile_runs_as_an_unprivileged_user():
    user = dockerfile_user(dockerfile_text())
    assert user is not None
    assert user.split(":")[0] not in {"root", "0"}


def test_dockerfile_copies_only_files_in_the_repository_to_where_the_code_runs():
    for workdir, sources, destination in dockerfile_copies(dockerfile_text()):
        target = PurePosixPath(workdir) / destination
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            if (ROOT / source).is_dir():
                assert target == PurePosixPath(workdir) / Path(source).name, f"COPY {source} {destination}"


def test_dockerfile_copies_every_local_app_and_the_template_static_and_locale_folders():
    text = dockerfile_text()
    final_workdir = [arguments for keyword, arguments in final_stage(text) if keyword == "WORKDIR"][-1]
    copied = {
        Path(source).parts[0]
        for workdir, sources, _destination in dockerfile_copies(text)
        if workdir == final_workdir
        for source in sources
    }
    needed = {"manage.py", settings.ROOT_URLCONF.split(".")[0]}
    needed |= {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()}
    folders = [*settings.TEMPLATES[0]["DIRS"], *settings.STATICFILES_DIRS, *settings.LOCALE_PATHS]
    needed |= {Path(folder).relative_to(ROOT).parts[0] for folder in folders if Path(folder).exists()}
    assert needed - copied == set()


def test_compose_builds_the_image_from_this_dockerfile():
    services = load_compose()["services"]
    for name in APP_SERVICES:
        build = services[name]["build"]
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        assert (COMPOSE_PATH.parent / context / dockerfile).resolve() == DOCKERFILE_PATH


@pytest.mark.parametrize("allowed_hosts", ["jdrh.example.org", ".example.org,localhost", "*", ""])
def test_healthchecks_request_healthz_on_gunicorns_port_with_an_allowed_host(monkeypatch, allowed_hosts):
    text = dockerfile_text()
    code = dockerfile_healthcheck_code(text)
    web_test = load_compose()["services"]["web"]["healthcheck"]["test"]
    assert web_test[:3] == ["CMD", "python", "-c"] and interpolate(web_test[3], {}) == code

    requests = []
    monkeypatch.setenv("ALLOWED_HOSTS", allowed_hosts)
    monkeypatch.setattr("urllib.request.urlopen", lambda request, timeout: requests.append(request))
    exec(compile(code, "<healthcheck>", "exec"), {})  # noqa: S102 - the file's own healthcheck

    (request,) = requests
    port = gunicorn_port(dockerfile_cmd(text))
    assert request.full_url == f"http://127.0.0.1:{port}/healthz"
    assert resolve("/healthz").url_name == "healthz"
    effective_hosts = [host.strip() for host in allowed_hosts.split(",")] if allowed_hosts else ["localhost"]
    assert validate_host(request.get_header("Host"), effective_hosts)


def test_nginx_proxies_to_the_web_service_on_gunicorns_port():
    compose = load_compose()
    port = gunicorn_port(command_of(compose["services"]["web"]))
    targets = nginx_proxy_targets(nginx_text())
    assert targets == {f"web:{port}"}
    assert "web" in compose["services"]


def test_nginx_passes_one_trustworthy_client_address_the_scheme_and_the_host():
    headers = nginx_headers(nginx_text())
    # The app trusts exactly one proxy and reads the rightmost address: nginx replaces, never appends.
    assert headers["x-forwarded-for"] == "$remote_addr"
    assert headers["x-forwarded-proto"] == "$scheme"
    assert headers["host"] in {"$host", "$http_host"}


def test_nginx_limits_uploads_to_20_megabytes_and_serves_no_files_itself():
    text = nginx_text()
    assert re.findall(r"client_max_body_size\s+([^;]+);", text) == ["20m"]
    assert not re.search(r"^\s*(root|alias|try_files)\s", text, re.M)
    assert re.search(r"location\s*=\s*/healthz\s*\{[^}]*proxy_pass", text)


def test_nginx_is_published_on_port_80_with_this_config_in_its_http_context():
    nginx = load_compose()["services"]["nginx"]
    assert "80:80" in [str(port) for port in nginx["ports"]]
    mounts = volume_mounts(nginx)
    (target,) = [target for target, source in mounts.items() if (ROOT / source).resolve() == NGINX_PATH]
    assert PurePosixPath(target).parent == PurePosixPath("/etc/nginx/conf.d") and target.endswith(".conf")
    assert nginx["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_checks_catch_broken_deployment_files():
    source = settings_source()
    readable, required = env_names_read(source), production_required_names(source)
    broken = copy.deepcopy(load_compose())
    services = broken["services"]
    del services["nginx"]
    services["beat"]["deploy"]["replicas"] = 2
    services["worker"]["environment"]["SECRTE_KEY"] = "a typo"
    del services["web"]["environment"]["REDIS_URL"]
    services["web"]["depends_on"] = {"postgres": {"condition": "service_healthy"}}
    services["worker"]["volumes"] = ["./deploy/missing.conf:/etc/missing.conf", "undeclared:/data"]
    problems = "\n".join(compose_problems(broken, readable, required))
    for expected in (
        "'nginx' is missing",
        "deploy.replicas 2",
        "2 Celery beat processes",
        "worker sets SECRTE_KEY",
        "web does not set REDIS_URL",
        "web does not wait for migrate",
        "missing.conf, which is not in the repository",
        "volume 'undeclared'",
    ):
        assert expected in problems

    assert command_problems(["python", "manage.py", "migrat", "--noinput"])
    assert command_problems(["python", "manage.py", "migrate", "--no-such-option"])
    assert command_problems(["celery", "-A", "no_such_module", "worker"])
    assert command_problems(["celery", "-A", "yaoyao_mediation", "wroker"])
    assert command_problems(["celery", "-A", "yaoyao_mediation", "worker", "--concurrency", "many"])
    assert command_problems(["celery", "-A", "yaoyao_mediation", "inspect", "pong"])
    assert command_problems(["gunicorn", "yaoyao_mediation.wsgi:app"])
    assert command_problems(["gunicorn", "yaoyao_mediation.wsgi:application", "--no-such-flag"])

    assert nginx_proxy_targets("upstream u { server app:8080; } server { location / { proxy_pass http://u; } }") == {
        "app:8080"
    }
    dockerfile = "FROM x AS build\nRUN apt-get install -y libharfbuzz-subset0\nFROM x\nRUN apt-get install -y gcc\n"
    assert apt_packages(dockerfile) == {"gcc"}
    assert dockerfile_user(dockerfile) is None
    assert env_names_read('env_str("A")\nos.environ.get("B")\nos.environ["C"]\nos.getenv("D")') == {"A", "B", "C", "D"}
    with pytest.raises(InterpolationError):
        interpolate("${X:?set X}", {"X": ""})
    assert interpolate("$${A:-b}${A:-b}${A-c}", {"A": ""}) == "${A:-b}b"
