# The native host as a small container image for Cloud Run and other container hosts.
#   docker build -t edgemcp .
#   docker run -p 8080:8080 edgemcp          # http://localhost:8080/mcp
# Cloud Run sets PORT; data lives in /data (mount a volume to keep it).

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --profile release-native -p edgemcp-native --bin edgemcp \
 && strip target/release-native/edgemcp \
 && mkdir -p /data

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release-native/edgemcp /usr/local/bin/edgemcp
COPY --from=build /src/migrations /migrations
COPY --from=build --chown=65532:65532 /data /data
ENV PORT=8080 \
    EDGEMCP_DATA_DIR=/data \
    EDGEMCP_MIGRATIONS_DIR=/migrations
VOLUME ["/data"]
EXPOSE 8080
USER nonroot
# The binary checks its own /health, so the image needs no curl.
HEALTHCHECK --interval=30s --timeout=3s CMD ["/usr/local/bin/edgemcp", "health"]
ENTRYPOINT ["/usr/local/bin/edgemcp"]
CMD ["serve"]
