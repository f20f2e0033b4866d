import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A three-master Redis Cluster on loopback ports, for a test run (TEST_REDIS_CLUSTER=1) or the fault
 * suite: `redis-server --cluster-enabled yes` three times, `redis-cli --cluster create`, then wait
 * until every node says `cluster_state:ok`. Nothing is saved to disk but the nodes' cluster files,
 * in a folder of its own that `stop` removes with the servers.
 */
export interface RedisCluster {
  /** The nodes as REDIS_CLUSTER_NODES takes them: `127.0.0.1:port,…`. */
  nodes: string;
  ports: number[];
  stop(): Promise<void>;
}

/** A port free on loopback whose cluster bus port (port + 10000) is free too. */
async function freePortPair(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    if (taken.has(port) || taken.has(port + 10000)) continue;
    if ((await isFree(port)) && (await isFree(port + 10000))) return port;
  }
  throw new Error('No free port pair for a Redis Cluster node');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function redisCli(port: number, ...args: string[]): string {
  const result = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 30_000 });
  if (result.status !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  return result.stdout;
}

export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fm-redis-cluster-'));
  const ports: number[] = [];
  const servers: ChildProcess[] = [];
  const taken = new Set<number>();
  const stop = async () => {
    for (const server of servers) server.kill('SIGTERM');
    await Promise.all(servers.map((server) => (server.exitCode === null ? new Promise((resolve) => server.once('exit', resolve)) : undefined)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePortPair(taken);
      taken.add(port).add(port + 10000);
      const server = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--dir', dir, '--save', '', '--appendonly', 'no', '--cluster-node-timeout', '2000'],
        { stdio: 'ignore' },
      );
      servers.push(server);
      ports.push(port);
    }
    for (const port of ports) {
      for (let i = 0; ; i++) {
        try {
          if (redisCli(port, 'ping').trim() === 'PONG') break;
        } catch (error) {
          if (i > 50) throw error;
        }
        await sleep(100);
      }
    }
    redisCli(ports[0]!, '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes');
    for (const port of ports) {
      for (let i = 0; !redisCli(port, 'cluster', 'info').includes('cluster_state:ok'); i++) {
        if (i > 100) throw new Error(`Redis Cluster node ${port} did not reach cluster_state:ok`);
        await sleep(100);
      }
    }
    return { nodes: ports.map((p) => `127.0.0.1:${p}`).join(','), ports, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
