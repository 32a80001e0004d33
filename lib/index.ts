/**
 * bsonrpc: decorator-based, bidirectional JSON-RPC 2.0 and BSON-RPC peers
 * for Node. Explicit named exports only, grouped by layer (top first).
 */
import 'reflect-metadata';

// server: listen by URL, one process or a cluster
export { listen } from './server/listen';
export { DEFAULT_MAX_CONNECTIONS, DEFAULT_CLOSE_TIMEOUT } from './server/types';
export type { Server, ServerEvents, ServicesFactory, ConnectionInfo, ListenOptions, CloseOptions } from './server/types';

// name server: find servers by name (ns://host:port/NAME)
export { startNameServer, DEFAULT_NS_URL } from './ns/server';
export type { NameServerOptions } from './ns/server';
export { nameServer, NameServerClient } from './ns/client';
export type { RegisterEntryOptions, ListNamesOptions, NameServerClientOptions } from './ns/client';
export { MemoryNameStore } from './ns/store';
export type { NameStore, NameEntry, NameLease } from './ns/store';
export { RedisNameStore } from './ns/redis-store';
export type { RedisNameStoreOptions } from './ns/redis-store';
export { UNKNOWN_NAME, NAME_SERVER_FULL } from './ns/service';
export type { RegisterOptions } from './ns/keeper';

// net: connect by URL, stdio peers
export { connect } from './net/connect';
export { spawnPeer, stdioPeer } from './net/stdio';
export { parseRpcUrl, formatRpcUrl } from './net/url';
export { DEFAULT_CONNECT_TIMEOUT } from './net/options';
export type { AnyRpc, NetPeerOptions, ConnectOptions } from './net/options';
export type { SpawnPeerOptions, SpawnedPeer } from './net/stdio';
export type { RpcUrl, Scheme, WireProtocol, FramingName } from './net/url';

// peer
export { JsonRpc } from './peer/json-rpc';
export type { BatchOptions } from './peer/json-rpc';
export { BsonRpc } from './peer/bson-rpc';
export { RpcPeer } from './peer/peer';
export type { PeerEvents, Middleware, OutgoingHook, OutgoingMessage } from './peer/peer';
export type { Disposable } from './protocol/router';
export { RpcContext, currentContext } from './peer/context';
export { BatchBuilder } from './peer/batch';
export type { BatchMethod, BatchParams, BatchProxy } from './peer/batch';
export type { Caller, CallOptions, ProxyOptions, PeerProxy, RequestProxy, NotificationProxy } from './peer/proxy';
export { DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_LIMITS } from './peer/options';
export type {
  PeerOptions,
  JsonRpcOptions,
  BsonRpcOptions,
  NoArgumentsPresentation,
  JsonCodecOverride,
  BsonCodecOverride,
} from './peer/options';

// service
export { serviceClass, request, notification, rpcRequest, rpcNotification } from './service/decorators';
export type { HandlerDecorator, HandlerDecoratorFactory } from './service/decorators';
export type { HandlerKind, HandlerOptions, DeclaredError } from './service/registry';
export type { StandardSchema, StandardSchemaProps, StandardResult, StandardIssue, StandardJsonSchemaConverter } from './service/standard-schema';
export { openRpcDocument } from './service/openrpc';
export type { DiscoverOptions, JsonSchema, OpenRpcDocument, OpenRpcMethod, OpenRpcContentDescriptor } from './service/openrpc';
export { isServiceClass } from './service/registry';
export { defineService } from './service/define';
export type { DefineServiceOptions, DefinedService, HandlerDefinition } from './service/define';

// logging
export type { RpcLogger, RpcLogFn } from './logger';

// protocol
export type { RequestId, Params, WireError } from './protocol/messages';
export type { CallKind } from './protocol/call';

// transport
export type { Transport, TransportReceiver, Payload } from './transport/transport';
export { StreamTransport } from './transport/stream';
export type { StreamTransportOptions } from './transport/stream';
export { createTransportPair } from './transport/memory';
export { MessagePortTransport } from './transport/message-port';
export type { MessagePortLike } from './transport/message-port';
export { WebSocketTransport } from './transport/websocket';
export type { WebSocketTransportOptions, WebSocketLike } from './transport/websocket';

// framing
export type { Framing, FrameDecoder, FrameDecoderOptions } from './framing/framing';

// stream
export { createDuplexPair } from './stream/memory';

// errors
export {
  RpcError,
  CodecError,
  FramingError,
  EncodingError,
  DecodingError,
  ResponseTimeout,
  TooManyPendingRequests,
  ConnectionClosedError,
  ConnectError,
  ListenError,
  PeerError,
  ParseError,
  InvalidRequest,
  MethodNotFound,
  InvalidParams,
  InternalError,
  ServerError,
  ServerOverloaded,
  RequestCancelled,
  UnspecifiedPeerError,
  ErrorCodes,
} from './errors';
