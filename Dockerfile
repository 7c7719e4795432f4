# kshield's container image: the CLI, used by deploy/ (the admission webhook, the node Job and
# in-cluster scans). Two stages so the image carries no compiler, no npm and no TypeScript.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# better cache reuse: dependencies change less often than the source
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY schema ./schema
RUN npx tsc -p tsconfig.json \
 && npm prune --omit=dev --no-audit --no-fund

# distroless: no shell or package manager for an attacker to use; "nonroot" is uid 65532, the
# user the shipped manifests run as.
FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
COPY --from=build /src/schema ./schema
USER 65532:65532
# the shipped manifests give the webhook its probes; a Job and a one-shot scan need none. Docker's
# HEALTHCHECK would be ignored by Kubernetes: say so rather than leave it unset.
HEALTHCHECK NONE
# the distroless image's entrypoint is node itself
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/src/cli/main.js"]
CMD ["--help"]
