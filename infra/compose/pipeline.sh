#!/bin/sh
# readside: the `pipeline` service of docker-compose.yml, one pipeline worker per container
# (`docker compose up --scale pipeline=N` runs N in one consumer group). Runs on the stock Python image
# as an unprivileged user, with the repository's pipelines/, search_client/, schemas/ and pyproject.toml
# mounted read-only under /app. Installs every dependency line of pyproject.toml at its pin into the
# user's site (needs PyPI on each new container), then runs the worker as `readside serve pipeline` does.
set -eu

python /app/infra/compose/registrar_requirements.py --all /app/pyproject.toml > "$HOME/requirements.txt"
echo "installing $(wc -l < "$HOME/requirements.txt") pinned packages"
pip install --user --no-cache-dir --quiet --disable-pip-version-check -r "$HOME/requirements.txt"

exec python -m pipelines.main
