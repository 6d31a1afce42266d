# The registry's image: the API (`serve`) by default, the projector with `ppp-registry project`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 ppp

WORKDIR /app
COPY pyproject.toml README.md* ./
COPY registry ./registry
COPY schema ./schema
COPY projections ./projections
RUN pip install . && rm -rf /app/build

USER ppp
WORKDIR /home/ppp
EXPOSE 8000

CMD ["ppp-registry", "serve", "--host", "0.0.0.0", "--port", "8000"]
