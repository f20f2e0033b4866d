import { createRedis, redisReady, removeRedisKeys } from '../queue/redis.ts';
import pg from 'pg';
import { closeContext, explainStartupError, loadConfigOrExit, resolveServicesOrExit, startContextOrExit, startWebServer } from '../boot.ts';
import { describeServices } from '../platform/services.ts';
import { MailCatcher } from '../email/mail-catcher.ts';
import { createMailer } from '../email/mailer.ts';
import { startWorkers } from '../../workers/workers.ts';
import { ORGANIZER } from '../../db/seed-data.ts';
import { prepareDemo } from './demo-timeline.ts';
import { countDemoProgress, countUnsentEmails } from './demo.repository.ts';

/**
 * `npm run demo`: the 2007 Brussels forum in one command. A fresh database of its own, the note's
 * marketplace with its response deadline a minute away, responses from the agencies, and the real
 * worker closing, matching, scheduling and emailing. Emails go to an in-process SMTP server shown at
 * /dev/mail unless SMTP_URL is set. On a machine with Node alone, Postgres is embedded (.data/pg)
 * and the queues run on it.
 */
const DEADLINE_IN_SECONDS = Number(process.env.DEMO_DEADLINE_SECONDS ?? 60);
const base = loadConfigOrExit({ ...process.env, DEMO_MODE: 'true', NODE_ENV: 'development' });
const chosen = loadConfigOrExit({
  ...process.env,
  DEMO_MODE: 'true',
  NODE_ENV: 'development',
  REDIS_PREFIX: '{fm-demo}',
  ORGANIZER_EMAILS: [ORGANIZER.email, ...base.ORGANIZER_EMAILS].join(','),
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  // The demo's timeline is a minute: an agency's confirmations of its responses come in one email after 15 s.
  CONFIRMATION_BATCH_SECONDS: process.env.CONFIRMATION_BATCH_SECONDS ?? '15',
});
// Postgres (the one configured, the one at the default address, or an embedded one) and the queue backend, chosen once.
const services = await resolveServicesOrExit(chosen);
const demoDatabase = new URL(services.config.DATABASE_URL);
demoDatabase.pathname = `/${process.env.DEMO_DATABASE ?? 'forum_marketplace_demo'}`;
const config = { ...services.config, DATABASE_URL: demoDatabase.toString() };
console.log(describeServices(config));
const say = (line: string) => console.log(`[demo] ${line}`);

// A fresh start: drop the demo database and the demo's Redis keys of an earlier run.
try {
  const admin = new URL(config.DATABASE_URL);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${demoDatabase.pathname.slice(1).replace(/"/g, '""')}" WITH (FORCE)`);
  await client.end();
  if (config.queueBackend === 'redis') {
    const redis = createRedis(config, 'commands');
    await redisReady(redis);
    await removeRedisKeys(redis, `${config.REDIS_PREFIX}*`);
    redis.disconnect();
  }
} catch (error) {
  console.error(explainStartupError(error, config));
  await services.stop();
  process.exit(1);
}

const ctx = await startContextOrExit(config, 'demo', { services: { ...services, config } });

const mailbox = config.SMTP_URL ? undefined : new MailCatcher(5000);
const smtpUrl = config.SMTP_URL || (await mailbox!.start(0));
const mailer = createMailer(smtpUrl, config.SMTP_TIMEOUT_SECONDS);
const workers = await startWorkers(ctx, { mailer, digests: false });
const web = await startWebServer(ctx, config.PORT, mailbox);

const demo = await prepareDemo(ctx, DEADLINE_IN_SECONDS);
say(`seeded GFMD 2007 Brussels: ${demo.organizations} organizations, ${demo.requests} requests, ${demo.responses} responses from the agencies, ${demo.questions} questions (one answered)`);
say(`the forum runs ${demo.forum.startsOn} to ${demo.forum.endsOn}: the note's days moved by whole weeks (same weekdays), so that it comes after the deadline`);
say(`open ${config.BASE_URL}/demo to sign in as anyone, ${config.BASE_URL}/dev/mail for every email${config.SMTP_URL ? ' (SMTP_URL is set: see your mail server instead)' : ''}`);

let lastLine = '';
let finished = false;
const progress = setInterval(async () => {
  try {
    const { requests, runs, meetings, emails } = await countDemoProgress(ctx);
    const count = (s: string) => Number(requests.find((r) => r.status === s)?.n ?? 0);
    const left = Math.round((demo.deadline.getTime() - Date.now()) / 1000);
    const runDone = runs.some((r) => r.status === 'done');
    const line =
      left > 0
        ? `deadline in ${left} s; ${count('open')} requests open`
        : runDone
          ? // A draft leaves the requests closed: they are matched when the secretariat publishes it.
            `closed ${count('closed') + count('matched')}${Number(meetings.drafts) > 0 ? '' : `, matched ${count('matched')}`}; ${meetings.n} meetings scheduled${Number(meetings.drafts) > 0 ? ` (${meetings.drafts} a draft for the secretariat to review)` : ''}; ${emails.n} emails sent`
          : runs.length
            ? `closed ${count('closed') + count('matched')}; matching...`
            : `deadline passed; closing: ${count('closed')} closed, ${count('open')} open`;
    if (line !== lastLine && (left <= 0 || left % 10 === 0 || left < 6)) {
      say(line);
      lastLine = line;
    }
    // "done" once the run's emails have gone, not while they are still queued.
    if (runDone && !finished && Number(emails.n) > 0 && (await countUnsentEmails(ctx)) === 0) {
      finished = true;
      const drafts = Number((await countDemoProgress(ctx)).meetings.drafts);
      say(drafts > 0 ? `every email sent (${emails.n}); the side meetings' invitations go when the secretariat publishes the schedule` : `every email sent (${emails.n}), the side meetings' invitations included`);
      say(`done. Look around at ${config.BASE_URL}:`);
      say(`  ${config.BASE_URL}/demo             sign in as the secretariat (${ORGANIZER.email}), a government or an agency`);
      say(`  ${config.BASE_URL}/dev/mail         every email, with its calendar invitation`);
      say(`  ${config.BASE_URL}/organizer/marketplaces/gfmd-2007/timetable   the side-meeting timetable (as the secretariat)`);
      if (drafts > 0) say(`the schedule is a draft (the marketplace reviews before sending): publish it on the timetable, as the secretariat, to send the invitations`);
      say('Ctrl-C stops the demo; run it again for a fresh start.');
    }
  } catch {
    // The next tick reports.
  }
}, 1000);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  clearInterval(progress);
  say('stopping');
  await web.close();
  await workers.close(5000);
  mailer.close();
  await mailbox?.stop();
  await closeContext(ctx);
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
