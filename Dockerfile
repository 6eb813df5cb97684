# Builds the zhunongbao binary and a small Debian image with a CJK font for
# the PDF cards.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/zhunongbao ./cmd/zhunongbao

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends fonts-droid-fallback ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# The service runs as an unprivileged user that owns only its data folder.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin znb
WORKDIR /app
COPY --from=build /out/zhunongbao /usr/local/bin/zhunongbao
COPY configs ./configs
RUN mkdir -p /app/data && chown znb:znb /app/data
USER znb
EXPOSE 8080
ENTRYPOINT ["zhunongbao"]
CMD ["serve"]
