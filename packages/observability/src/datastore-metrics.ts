import { Counter, type Registry } from 'prom-client';

/** The minimum of a MongoClient with command monitoring on (`monitorCommands: true`). */
interface CommandEmitter {
  on(event: 'commandStarted', listener: (event: { commandName: string }) => void): unknown;
}

/** The minimum of an ioredis client: every command, pipelined or not, goes through sendCommand. */
interface RedisLike {
  sendCommand(command: { name: string }, ...rest: unknown[]): unknown;
}

/**
 * MongoDB commands and Redis commands issued by this process. They hold on any server (unlike
 * throughput measured on the offline stand-in), so benchmarks report them per operation and
 * budgets are checked against them (a cached product read: 0 MongoDB commands).
 */
export function createDatastoreMetrics(registry: Registry) {
  const mongoCommands = new Counter({
    name: 'mongodb_commands_total',
    help: 'MongoDB commands sent by this process, by command name',
    labelNames: ['command'],
    registers: [registry],
  });
  const redisCommands = new Counter({
    name: 'redis_commands_total',
    help: 'Redis commands sent by this process through its main client (a pipelined batch counts each command)',
    labelNames: ['command'],
    registers: [registry],
  });
  return {
    mongoCommands,
    redisCommands,
    watchMongo(client: CommandEmitter): void {
      client.on('commandStarted', (event) => mongoCommands.inc({ command: event.commandName }));
    },
    watchRedis(redis: RedisLike): void {
      const send = redis.sendCommand.bind(redis);
      // Every argument is passed on: a Cluster client's sendCommand takes the target node as a third.
      redis.sendCommand = (command, ...rest) => {
        redisCommands.inc({ command: command.name });
        return send(command, ...rest);
      };
    },
  };
}
