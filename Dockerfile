# showbot: one image for `showbot serve discord` and `showbot serve slack` (Socket Mode or --http).
# Build:  docker build -t showbot .
# Run:    see docs/deploy.md ("Container"). The fact base is built into the image (read-only at run time);
#         the question log goes to the /var/lib/showbot volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, from pyproject.toml alone (with an empty package), so a code or pack change does
# not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir bot && touch bot/__init__.py \
    && pip install '.[discord,slack]' \
    && rm -rf bot build ./*.egg-info

COPY bot ./bot
COPY knowledge ./knowledge
RUN pip install --no-deps . && rm -rf build ./*.egg-info

# Settings: everything else (tokens above all) comes from the environment at run time, never the image.
ENV SHOWBOT_KNOWLEDGE=/app/knowledge \
    SHOWBOT_DB=/app/data/showbot.db \
    SHOWBOT_LOG_DB=/var/lib/showbot/showbot-log.db \
    SHOWBOT_LOG_LEVEL=INFO \
    SHOWBOT_LOG_JSON=true

# Compile the packs now: a broken pack fails the image build, and containers start without building.
RUN showbot build

RUN useradd --system --home-dir /var/lib/showbot --shell /usr/sbin/nologin showbot \
    && mkdir -p /var/lib/showbot && chown showbot:showbot /var/lib/showbot
USER showbot
WORKDIR /var/lib/showbot
VOLUME ["/var/lib/showbot"]

EXPOSE 3000
# For Slack HTTP mode (the default command); run Discord or Socket Mode containers with --no-healthcheck.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]

ENTRYPOINT ["showbot"]
CMD ["serve", "slack", "--http", "--host", "0.0.0.0", "--port", "3000"]
