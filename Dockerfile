# huddlebot: multi-stage build of a static, non-root image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/huddlebot ./cmd/huddlebot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/huddlebot /huddlebot
# SQLite (the default) needs a writable directory; PostgreSQL needs nothing.
WORKDIR /data
ENV HUDDLEBOT_LISTEN=0.0.0.0:8080 \
    HUDDLEBOT_DATABASE_URL=sqlite:/data/huddlebot.db
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/huddlebot"]
CMD ["serve"]
