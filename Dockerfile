# The workshop server for self-hosting; see compose.yaml for Redis beside it.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    WORKSHOP_DATA_DIR=/data \
    WORKSHOP_DECKS_DIR=/data/decks \
    WORKSHOP_ASYNC_MODE=eventlet \
    WORKSHOP_PORT=5000
WORKDIR /app
COPY pyproject.toml README.md ./
COPY workshop ./workshop
COPY templates ./templates
COPY static ./static
COPY decks ./decks
COPY deploy/docker-entrypoint.sh /usr/local/bin/workshop-entrypoint
# The decks people edit live on the volume (/data/decks), copied from the bundled ones on its first start by the
# entrypoint; the bundled ones belong to the app user too, for a WORKSHOP_DECKS_DIR that names them.
RUN pip install --no-cache-dir -e . && useradd --uid 10001 --create-home workshop \
    && mkdir -p /data && chown workshop /data && chown -R workshop /app/decks \
    && chmod 755 /usr/local/bin/workshop-entrypoint
USER workshop
VOLUME /data
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:5000/healthz').status != 200)"
ENTRYPOINT ["workshop-entrypoint"]
CMD ["workshop", "serve", "--host", "0.0.0.0", "--port", "5000"]
