import cluster from 'node:cluster';
import type { Config } from './config/config.ts';
import { runWebCluster } from './web-cluster.ts';
import { closeContext, loadConfigOrExit, startContextOrExit, startWebServer } from './boot.ts';
import { MailCatcher } from './email/mail-catcher.ts';
import { createMailer } from './email/mailer.ts';
import { startWorkers, type RunningWorkers } from '../workers/workers.ts';

/**
 * `npm start`: the web server and the worker in one process (migrations run first).
 * `npm run web`: the web server alone (WEB_PROCESSES of them, sharing the port). Without SMTP_URL
 * (outside production) emails go to an in-process SMTP server shown at /dev/mail.
 */
const webOnly = process.argv.includes('--web');
const config = loadConfigOrExit();
if (webOnly && config.WEB_PROCESSES > 1 && cluster.isPrimary) await runWebCluster(config);
else await runProcess(config);

async function runProcess(config: Config): Promise<void> {
  const ctx = await startContextOrExit(config, webOnly ? 'web' : 'app', webOnly && !config.SMTP_URL ? { email: 'sent by the worker (npm run worker)' } : {});

  let devMailbox: MailCatcher | undefined;
  let smtpUrl = config.SMTP_URL;
  if (!smtpUrl && !webOnly) {
    devMailbox = new MailCatcher();
    smtpUrl = await devMailbox.start(0);
  }
  const mailer = smtpUrl ? createMailer(smtpUrl, config.SMTP_TIMEOUT_SECONDS) : null;
  const workers: RunningWorkers | null = !webOnly && mailer ? await startWorkers(ctx, { mailer }) : null;
  const web = await startWebServer(ctx, config.PORT, devMailbox);
  ctx.log.info({ url: config.BASE_URL, worker: !!workers, devMailbox: !!devMailbox }, 'Forum Marketplace is running');
  // One line for the person who started it: with WEB_PROCESSES > 1 the primary says it once, for all (web-cluster.ts).
  if (!cluster.isWorker) console.log(`Forum Marketplace is running at ${config.BASE_URL}${devMailbox ? ` (emails: ${config.BASE_URL}/dev/mail)` : ''}`);

  let stopping = false;
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    ctx.log.info({ signal }, 'shutting down');
    await web.close();
    await workers?.close();
    mailer?.close();
    await devMailbox?.stop();
    await closeContext(ctx);
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
