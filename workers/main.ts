import { closeContext, loadConfigOrExit, startContextOrExit } from '../src/boot.ts';
import { createMailer } from '../src/email/mailer.ts';
import { startWorkers, type RunningWorkers } from './workers.ts';
import { startWorkerHealthServer } from './health-server.ts';

/** `npm run worker`: every processor and the sweeps, without the web server. */
const config = loadConfigOrExit();
if (!config.SMTP_URL) {
  console.error('Configuration error: SMTP_URL is required to run the worker on its own (npm start runs a development mailbox instead).');
  process.exit(1);
}
const ctx = await startContextOrExit(config, 'worker');
const mailer = createMailer(config.SMTP_URL, config.SMTP_TIMEOUT_SECONDS);
// Probes for an orchestrator, when asked for (WORKER_HEALTH_PORT), before any job is taken: a port
// taken is a failed start, said in one line.
let workers: RunningWorkers | null = null;
const health =
  config.WORKER_HEALTH_PORT > 0
    ? await startWorkerHealthServer(ctx, () => workers?.running() ?? false, config.WORKER_HEALTH_PORT).catch(async (error: NodeJS.ErrnoException) => {
        console.error(`Cannot serve the worker's health on WORKER_HEALTH_PORT=${config.WORKER_HEALTH_PORT}: ${error.code === 'EADDRINUSE' ? 'the port is taken' : error.message}.`);
        await closeContext(ctx);
        process.exit(1);
      })
    : null;
workers = await startWorkers(ctx, { mailer });
ctx.log.info({ healthPort: config.WORKER_HEALTH_PORT || null }, 'worker is running');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  ctx.log.info({ signal }, 'worker shutting down');
  health?.drain();
  await workers?.close();
  await health?.close();
  mailer.close();
  await closeContext(ctx);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
