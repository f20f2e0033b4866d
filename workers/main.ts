import { closeContext, loadConfigOrExit, startContextOrExit } from '../src/boot.ts';
import { createMailer } from '../src/email/mailer.ts';
import { startWorkers } from './workers.ts';

/** `npm run worker`: every processor and the sweeps, without the web server. */
const config = loadConfigOrExit();
if (!config.SMTP_URL) {
  console.error('Configuration error: SMTP_URL is required to run the worker on its own (npm start runs a development mailbox instead).');
  process.exit(1);
}
const ctx = await startContextOrExit(config, 'worker');
const mailer = createMailer(config.SMTP_URL, config.SMTP_TIMEOUT_SECONDS);
const workers = await startWorkers(ctx, { mailer });
ctx.log.info('worker is running');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  ctx.log.info({ signal }, 'worker shutting down');
  await workers.close();
  mailer.close();
  await closeContext(ctx);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
