"""The example deployment files stay loadable: configs validate, compose files are YAML."""

from pathlib import Path

import pytest

from bot.config import load_config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
yaml = pytest.importorskip("yaml")


def test_single_config_loads():
    config = load_config(DEPLOY / "config.single.toml")
    assert config.slack.enabled and config.slack.mode == "socket"
    assert config.discord.enabled
    assert config.cache.backend == "sqlite"
    assert config.cache.data_dir == "/var/lib/newsbot/data"
    assert config.log.format == "json"


def test_scale_config_loads():
    config = load_config(DEPLOY / "config.scale.toml")
    assert config.slack.enabled and config.slack.mode == "http"
    assert not config.discord.enabled  # replicas would each receive every Discord event
    assert config.cache.backend == "redis"
    assert "@" not in config.cache.redis_url  # the password comes from REDIS_PASSWORD


def compose(name):
    return yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))


def test_single_compose_mounts_config_and_volume():
    doc = compose("docker-compose.single.yml")
    bot = doc["services"]["bot"]
    assert "./config.single.toml:/etc/newsbot/config.toml:ro" in bot["volumes"]
    assert any(v.startswith("newsbot-data:") for v in bot["volumes"])
    assert set(bot["environment"]) >= {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_TOKEN"}
    assert "newsbot-data" in doc["volumes"]


def test_scale_compose_wires_proxy_replicas_and_redis():
    doc = compose("docker-compose.scale.yml")
    services = doc["services"]
    assert {"proxy", "bot", "redis", "llm"} <= set(services)
    bot = services["bot"]
    assert bot["deploy"]["replicas"] >= 2
    assert "ports" not in bot  # only the proxy is published
    assert "./config.scale.toml:/etc/newsbot/config.toml:ro" in bot["volumes"]
    assert set(bot["environment"]) >= {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "REDIS_PASSWORD"}
    assert "requirepass" in " ".join(services["redis"]["command"])
    assert services["llm"]["profiles"] == ["llm"]
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    assert "name bot" in caddyfile and "port 3000" in caddyfile
    assert "/metrics" not in caddyfile.split("handle /slack/*")[1].split("handle {")[0]


def test_no_secret_values_in_deploy_files():
    for path in DEPLOY.iterdir():
        text = path.read_text(encoding="utf-8")
        for prefix in ("xoxb-", "xapp-", "xoxp-"):
            # Placeholders like "xoxb-..." are fine; a real-looking token is not.
            assert prefix not in text.replace(f"{prefix}...", ""), path
