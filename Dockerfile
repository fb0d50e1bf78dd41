# One image for the web process and the conversion worker.
FROM node:20-bookworm-slim

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
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
COPY public ./public

ENV NODE_ENV=production DATA_DIR=/data PORT=3000
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
# The open-files limit raised from its soft value to the hard one (1,024 would let one client's idle
# sockets lock everyone out; the app also caps connections per client, HTTP_MAX_CONNECTIONS_PER_IP).
CMD ["sh", "-c", "ulimit -n \"$(ulimit -Hn)\" 2>/dev/null; exec npx tsx src/server.ts"]
