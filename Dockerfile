# One image for every process of the suite; docker-compose.yml picks the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY common ./common
COPY gateway ./gateway
COPY services ./services
RUN pip install . && useradd --system --no-create-home civic
COPY boot.sh ./
USER civic
ENTRYPOINT ["./boot.sh"]
