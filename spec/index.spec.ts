/**
 * Pins the public surface of lib/index.ts: a change to the export list must
 * be a visible decision (edit the list here), and every exported
 * declaration in lib/ carries a TSDoc comment.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as lib from '../lib';

test('the runtime export list of lib/index.ts', () => {
  expect(Object.keys(lib).sort()).toEqual([
    'BatchBuilder',
    'BsonRpc',
    'CodecError',
    'ConnectError',
    'ConnectionClosedError',
    'DEFAULT_CLOSE_TIMEOUT',
    'DEFAULT_CONNECT_TIMEOUT',
    'DEFAULT_LIMITS',
    'DEFAULT_MAX_CONNECTIONS',
    'DEFAULT_MAX_MESSAGE_SIZE',
    'DEFAULT_NS_URL',
    'DecodingError',
    'EncodingError',
    'ErrorCodes',
    'FramingError',
    'InternalError',
    'InvalidParams',
    'InvalidRequest',
    'JsonRpc',
    'ListenError',
    'MemoryNameStore',
    'MessagePortTransport',
    'MethodNotFound',
    'NAME_SERVER_FULL',
    'NameServerClient',
    'ParseError',
    'PeerError',
    'RedisNameStore',
    'RequestCancelled',
    'ResponseTimeout',
    'RpcContext',
    'RpcError',
    'RpcPeer',
    'ServerError',
    'ServerOverloaded',
    'StreamTransport',
    'TooManyPendingRequests',
    'UNKNOWN_NAME',
    'UnspecifiedPeerError',
    'WebSocketTransport',
    'connect',
    'createDuplexPair',
    'createTransportPair',
    'currentContext',
    'defineService',
    'formatRpcUrl',
    'isServiceClass',
    'listen',
    'nameServer',
    'notification',
    'openRpcDocument',
    'parseRpcUrl',
    'request',
    'rpcNotification',
    'rpcRequest',
    'serviceClass',
    'spawnPeer',
    'startNameServer',
    'stdioPeer',
  ]);
});

/** Type-only exports: removing or renaming one fails `tsc --noEmit` here. */
export type TypeExports = [
  lib.BatchOptions,
  lib.BatchMethod<object>,
  lib.BatchParams<object, never>,
  lib.BatchProxy,
  lib.BsonCodecOverride,
  lib.BsonRpcOptions,
  lib.Caller,
  lib.CallKind,
  lib.CallOptions,
  lib.DefineServiceOptions,
  lib.Disposable,
  lib.MessagePortLike,
  lib.Middleware,
  lib.OutgoingHook,
  lib.OutgoingMessage,
  lib.DefinedService<object>,
  lib.FrameDecoder,
  lib.FrameDecoderOptions,
  lib.Framing,
  lib.HandlerDecorator,
  lib.HandlerDecoratorFactory,
  lib.HandlerDefinition,
  lib.HandlerKind,
  lib.HandlerOptions,
  lib.JsonCodecOverride,
  lib.JsonRpcOptions,
  lib.Payload,
  lib.NoArgumentsPresentation,
  lib.NotificationProxy<object>,
  lib.Params,
  lib.PeerEvents,
  lib.PeerOptions,
  lib.PeerProxy,
  lib.ProxyOptions,
  lib.RequestId,
  lib.RequestProxy<object>,
  lib.StreamTransportOptions,
  lib.Transport,
  lib.TransportReceiver,
  lib.RpcLogFn,
  lib.RpcLogger,
  lib.WireError,
  lib.BsonRpc,
  lib.AnyRpc,
  lib.CloseOptions,
  lib.ConnectionInfo,
  lib.ConnectOptions,
  lib.FramingName,
  lib.ListenOptions,
  lib.NetPeerOptions,
  lib.RpcUrl,
  lib.Scheme,
  lib.Server,
  lib.ServerEvents,
  lib.ServicesFactory,
  lib.SpawnedPeer,
  lib.SpawnPeerOptions,
  lib.WireProtocol,
  lib.DeclaredError,
  lib.DiscoverOptions,
  lib.JsonSchema,
  lib.OpenRpcContentDescriptor,
  lib.OpenRpcDocument,
  lib.OpenRpcMethod,
  lib.StandardIssue,
  lib.StandardJsonSchemaConverter,
  lib.StandardResult,
  lib.StandardSchema,
  lib.StandardSchemaProps,
  lib.NameServerOptions,
  lib.RegisterEntryOptions,
  lib.ListNamesOptions,
  lib.NameServerClientOptions,
  lib.NameStore,
  lib.NameEntry,
  lib.NameLease,
  lib.RegisterOptions,
  lib.RedisNameStoreOptions,
];

test('the error classes form the documented tree, all instanceof RpcError', () => {
  const { RpcError, CodecError, PeerError } = lib;
  const tree: [Function, Function, number | undefined][] = [
    [lib.CodecError, RpcError, undefined],
    [lib.FramingError, CodecError, undefined],
    [lib.EncodingError, CodecError, undefined],
    [lib.DecodingError, CodecError, undefined],
    [lib.ResponseTimeout, RpcError, undefined],
    [lib.ConnectionClosedError, RpcError, undefined],
    [lib.ConnectError, RpcError, undefined],
    [lib.ListenError, RpcError, undefined],
    [lib.PeerError, RpcError, undefined],
    [lib.ParseError, PeerError, -32700],
    [lib.InvalidRequest, PeerError, -32600],
    [lib.MethodNotFound, PeerError, -32601],
    [lib.InvalidParams, PeerError, -32602],
    [lib.InternalError, PeerError, -32603],
    [lib.ServerError, PeerError, -32000],
    [lib.UnspecifiedPeerError, PeerError, undefined],
  ];
  for (const [cls, parent, code] of tree) {
    expect(cls.prototype).toBeInstanceOf(parent);
    if (code !== undefined) {
      const e = new (cls as new () => InstanceType<typeof PeerError>)();
      expect([e.code, e instanceof RpcError, e.name]).toEqual([code, true, cls.name]);
      expect(PeerError.fromWire({ code, message: 'm' })).toBeInstanceOf(cls);
    }
  }
});

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('every exported declaration in lib/ has a non-empty TSDoc comment', () => {
  const root = join(__dirname, '..');
  const missing: string[] = [];
  let seen = 0;
  const declaration = /^export\s+(?:declare\s+)?(?:default\s+)?(?:abstract\s+)?(?:async\s+)?(?:class|function|const|let|interface|type|enum)\s+([A-Za-z_$][\w$]*)/;
  for (const file of tsFiles(join(root, 'lib'))) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      const m = declaration.exec(line);
      if (!m) return;
      seen++;
      // Skip decorators and blank lines between the comment and the declaration.
      let j = i - 1;
      while (j >= 0 && (/^\s*$/.test(lines[j]) || /^\s*@/.test(lines[j]))) j--;
      let ok = false;
      if (j >= 0 && /\*\/\s*$/.test(lines[j])) {
        let k = j;
        while (k >= 0 && !lines[k].includes('/*')) k--;
        const block = lines.slice(k, j + 1).join('\n');
        const text = block.replace(/^[\s\S]*?\/\*\*/, '').replace(/\*\/\s*$/, '').replace(/^\s*\*/gm, '').trim();
        ok = k >= 0 && lines[k].includes('/**') && text.length > 0;
      }
      if (!ok) missing.push(`${relative(root, file)}:${i + 1} ${m[1]}`);
    });
  }
  expect(seen).toBeGreaterThan(50); // the scan really looked at the declarations
  expect(missing).toEqual([]);
});
