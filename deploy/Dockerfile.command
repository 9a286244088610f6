# Command service image. Built by docker-compose.yml from the repository root.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY shared shared
COPY command_service command_service
USER nobody
EXPOSE 8000
# Several workers share one /metrics view through Prometheus multiprocess mode.
ENV PROMETHEUS_MULTIPROC_DIR=/tmp/metrics
CMD ["sh", "-c", "mkdir -p $PROMETHEUS_MULTIPROC_DIR && exec uvicorn --factory command_service.api.app:app_from_env --host 0.0.0.0 --port 8000 --workers ${FLEET_COMMAND_WORKERS:-2} --loop uvloop --http httptools --no-access-log --no-server-header --no-proxy-headers --h11-max-incomplete-event-size 81920"]
