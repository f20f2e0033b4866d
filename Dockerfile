FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# tsx runs the TypeScript sources directly, so dev dependencies are not needed at run time.
RUN npm ci --omit=dev --no-audit --no-fund
COPY db ./db
COPY src ./src
COPY workers ./workers
COPY tsconfig.json ./
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "src/main.ts"]
