# The migrations image of the Kubernetes example (deploy/examples/kubernetes):
# ecluse from the project's own .deb, and the project's revisions.
#
#   ./dev.sh package                       # dist/ecluse_<version>_amd64.deb
#   docker build -t registry.example.org/app-migrations:v42 .
#
# The .deb is installed exactly as the CI installs it (tests/package/deb.sh):
# apt-get install of the file, dpkg underneath, its Depends from Debian 12.
FROM debian:12-slim
COPY dist/ecluse_*_amd64.deb /tmp/
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/ecluse_*_amd64.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/ecluse_*_amd64.deb \
 && ecluse --version
WORKDIR /app
COPY alembic_version_conflict_detection.txt ./
COPY migrations/ migrations/
# ecluse needs no privilege: it only connects to the database.
USER nobody
ENTRYPOINT ["ecluse"]
CMD ["--help"]
