/**
 * The `bsonrpc` command: `call`, `serve`, `ns` and `ns list|lookup|ping`,
 * parsed by commander. The launcher bin/bsonrpc.js calls {@link main};
 * tests call {@link run} or spawn the launcher.
 *
 * What it prints is the command's output, not logging: results on stdout,
 * errors, connection logs and help on stderr (help on stdout when asked
 * for with `--help`). The library itself still never writes to stdout.
 */
import { Command, CommanderError } from 'commander';
import { runCall } from './call';
import { runList, runLookup, runNameServer, runPing } from './ns';
import { CliIo, EXIT, report } from './report';
import { runServe } from './serve';

const NS_HELP = 'the name server (default: $BSONRPC_NS, else tcp://127.0.0.1:9090)';

function example(lines: string): string {
  return `\nExample:\n${lines.split('\n').map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** Builds the command tree; each action stores its exit code in `result.code`. */
function program(io: CliIo, result: { code: number }): Command {
  const root = new Command('bsonrpc')
    .description('Call, serve and find bsonrpc (JSON-RPC 2.0 / BSON-RPC) services from a shell.')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `\nExit codes: 0 ok, 1 the peer answered an error, 2 usage error, 3 cannot connect / lost / timed out.${example('bsonrpc call tcp://127.0.0.1:7000 math.add 2 3')}`);

  root
    .command('call')
    .description('send one request (or notification) and print the result as JSON')
    .argument('<url>', 'tcp://host:port, tls://…, unix:///path, or ns://host:port/NAME')
    .argument('<method>', 'the wire method name')
    .argument('[args...]', 'positional params, each JSON when it parses, else a string')
    .option('--named <json>', 'named params as one JSON object, instead of ARGs')
    .option('--notify', 'send a notification: no answer, prints nothing')
    .option('--timeout <ms>', 'ms to connect and to wait for the answer (default 10000)')
    .option('--framing <name>', 'JSON framing: rfc7464, netstring, frameless, ndjson, content-length')
    .addHelpText('after', example(`bsonrpc call tcp://127.0.0.1:7000 swapper 'Hello World!'\nbsonrpc call ns://127.0.0.1:9090/example.warehouse store --named '{"name":"Ann","item":"kite"}'`))
    .action(async (url: string, method: string, args: string[], flags) => {
      result.code = await runCall(url, method, args, flags, io);
    });

  root
    .command('serve')
    .description('serve the service class a .js or .ts file exports, until SIGINT/SIGTERM')
    .argument('<file[:export]>', 'the module, and optionally which export (default: the default export, else the only service class)')
    .requiredOption('--listen <url>', 'where to listen, e.g. tcp://127.0.0.1:7000 (port 0: any free port)')
    .option('--register <name>', 'register in the name server under this name')
    .option('--ns <url>', NS_HELP)
    .option('--discover', 'answer rpc.discover with the OpenRPC document of the service')
    .addHelpText('after', example('bsonrpc serve samples/warehouse-server.ts:Warehouse --listen tcp://127.0.0.1:0 --register example.warehouse'))
    .action(async (target: string, flags) => {
      result.code = await runServe(target, flags, io);
    });

  const ns = root
    .command('ns')
    .description('run a name server, or ask one (list, lookup, ping)')
    .option('--listen <url>', 'where the name server listens (default: $BSONRPC_NS, else tcp://127.0.0.1:9090)')
    .option('--store <url>', 'keep the registry in Redis (redis://host:port), shared by every name server using it; default: in memory')
    .addHelpText('after', example('bsonrpc ns --listen tcp://127.0.0.1:9090\nbsonrpc ns --listen tcp://127.0.0.1:9091 --store redis://127.0.0.1:6379\nbsonrpc ns list example.'))
    .action(async (flags: { listen?: string; store?: string }) => {
      result.code = await runNameServer(flags.listen, io, flags.store);
    });
  ns.command('list')
    .description('list the registered names (name, url, metadata)')
    .argument('[prefix]', 'only names starting with this')
    .option('--json', 'print the entries as JSON')
    .option('--ns <url>', NS_HELP)
    .addHelpText('after', example('bsonrpc ns list example. --json'))
    .action(async (prefix: string | undefined, flags) => {
      result.code = await runList(prefix, flags, io);
    });
  ns.command('lookup')
    .description('print one URL registered under NAME (round-robin among several)')
    .argument('<name>', 'the logical name')
    .option('--ns <url>', NS_HELP)
    .addHelpText('after', example('bsonrpc ns lookup example.warehouse'))
    .action(async (name: string, flags) => {
      result.code = await runLookup(name, flags, io);
    });
  ns.command('ping')
    .description('print "pong" when the name server answers')
    .option('--ns <url>', NS_HELP)
    .addHelpText('after', example('bsonrpc ns ping --ns tcp://127.0.0.1:9090'))
    .action(async (flags) => {
      result.code = await runPing(flags, io);
    });
  return root;
}

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const result = { code: EXIT.ok as number };
  try {
    const root = program(io, result);
    if (argv.length === 0) {
      io.err(root.helpInformation());
      return EXIT.usage;
    }
    await root.parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are not errors; everything else commander refuses is a usage error.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    return report(err, io);
  }
}

/** The process entry: runs `argv`, then exits with its code once stdout and stderr are flushed. */
export function main(argv: string[] = process.argv.slice(2)): void {
  const io: CliIo = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t), env: process.env };
  void run(argv, io).then((code) => {
    process.exitCode = code;
    // Nothing may keep a finished command alive (a half-closed socket, a timer): flush, then exit.
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  });
}

if (require.main === module) main();
