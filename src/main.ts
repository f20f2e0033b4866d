import cluster from 'node:cluster';
import type { Config } from './config/config.ts';
import { runWebCluster } from './web-cluster.ts';
import { closeContext, loadConfigOrExit, startContextOrExit, startWebServer } from './boot.ts';
import type { Transporter } from 'nodemailer';
import type { MailCatcher } from './email/mail-catcher.ts';
import type { RunningWorkers } from '../workers/workers.ts';

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

  // A web process loads neither the worker (the optimizer, the calendar files, the SMTP client) nor the
  // in-process SMTP server: they are imported where they run, so its memory holds only what it serves.
  let devMailbox: MailCatcher | undefined;
  let mailer: Transporter | null = null;
  let workers: RunningWorkers | null = null;
  if (!webOnly) {
    let smtpUrl = config.SMTP_URL;
    if (!smtpUrl) {
      const { MailCatcher } = await import('./email/mail-catcher.ts');
      devMailbox = new MailCatcher();
      smtpUrl = await devMailbox.start(0);
    }
    const [{ createMailer }, { startWorkers }] = await Promise.all([import('./email/mailer.ts'), import('../workers/workers.ts')]);
    mailer = createMailer(smtpUrl, config.SMTP_TIMEOUT_SECONDS);
    workers = await startWorkers(ctx, { mailer });
  }
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
