#!/bin/sh
# readside: the one-shot `register-connectors` service of docker-compose.yml.
# Registers every connectors/*.json with Kafka Connect through the project's own registrar
# (`readside connectors apply`: PUT /connectors/<name>/config, then wait for RUNNING), the same
# code and the same files the native stack uses. Runs on a stock Python image with the repository's
# infra/, connectors/ and pyproject.toml mounted read-only under /app.
# Needs network access to PyPI on its first run: it installs the CLI's few dependencies at the
# versions pyproject.toml pins (see registrar_requirements.py).
set -eu

python /app/infra/compose/registrar_requirements.py /app/pyproject.toml > /tmp/registrar-requirements.txt
echo "installing: $(tr '\n' ' ' < /tmp/registrar-requirements.txt)"
pip install --no-cache-dir --quiet --disable-pip-version-check --root-user-action=ignore \
    -r /tmp/registrar-requirements.txt

exec python -m infra.cli.main connectors apply --dir /app/connectors
