# dlp in a container. Besides the base image it needs only the Python package index: every dependency, the
# spaCy model included, is a package declared in pyproject.toml; nothing is downloaded when the image runs.
#   docker build -t dlp .
#   docker run --rm -v "$PWD:/work" dlp preflight campaign.yaml
#   docker run --rm -i dlp check - < message.eml
#   docker run --rm -p 10025:10025 dlp serve --listen 0.0.0.0:10025 --relay smtp.example.net:587
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY dlp ./dlp
COPY rules ./rules
COPY docs/rules ./docs/rules
# Wheels for dlp and every dependency, so the final stage installs without the network.
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 dlp
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels maildlp && rm -rf /wheels
USER dlp
WORKDIR /work
# Set DLP_FINGERPRINT_KEY (16+ characters) at run time so fingerprints are stable across containers;
# without it dlp makes a key in the container's home, which is gone when the container is.
ENTRYPOINT ["dlp"]
CMD ["--help"]
