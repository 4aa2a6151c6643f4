// AppSync, played by the test: GraphQL over HTTP and the realtime WebSocket protocol (graphql-ws as
// AppSync speaks it: connection_init/ack, start/start_ack, data, stop/complete, ka). EVERY document
// is first validated against the synthesized schema and kept with its verdict, so a test can assert
// that the app sent nothing AppSync would refuse. Resolvers are plain functions of the test; their
// results go through graphql-js `execute`, so selection sets, non-null fields and scalars are checked
// as AppSync would. The caller's token decides who they are (Cognito user pool groups).
import {
  execute,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

export interface Caller {
  username: string;
  groups: string[];
}

export type Resolver = (args: Record<string, unknown>, caller: Caller) => unknown;

/** A failure a resolver throws, carried to the client as AppSync does (`errorType`, `message`). */
export class AppSyncError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LoggedOperation {
  transport: 'http' | 'websocket';
  operationName: string | null;
  /** Root fields (e.g. `getJob`, `onUpdateJob`). */
  fields: string[];
  query: string;
  variables: Record<string, unknown>;
  /** Validation errors against the synthesized schema (empty: AppSync would accept it). */
  invalid: string[];
}

interface Subscription {
  id: string;
  field: string;
  document: DocumentNode;
  variables: Record<string, unknown>;
  caller: Caller;
}

export interface RealtimeSocket {
  send(message: string): void;
  close?(code?: number): void;
}

const opOf = (document: DocumentNode) =>
  document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');

/** Amplify's subscription filters: `{ field: { eq } }`, `and`, `or` (what the app sends). */
function matches(filter: unknown, value: Record<string, unknown>): boolean {
  if (!filter || typeof filter !== 'object') return true;
  return Object.entries(filter as Record<string, unknown>).every(([key, condition]) => {
    if (key === 'and') return (condition as unknown[]).every((part) => matches(part, value));
    if (key === 'or') return (condition as unknown[]).some((part) => matches(part, value));
    const c = condition as Record<string, unknown>;
    if ('eq' in c) return value[key] === c.eq;
    if ('ne' in c) return value[key] !== c.ne;
    if ('in' in c) return (c.in as unknown[]).includes(value[key]);
    throw new Error(`fake AppSync: unsupported filter ${JSON.stringify(condition)}`);
  });
}

export class FakeAppSync {
  readonly operations: LoggedOperation[] = [];
  private readonly subscriptions = new Map<RealtimeSocket, Map<string, Subscription>>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly resolvers: Record<string, Resolver>,
    /** The caller a token stands for, or undefined (refused as AppSync refuses a bad token). */
    private readonly authorize: (token: string | undefined) => Caller | undefined,
  ) {}

  /** Operations whose documents the synthesized schema refuses. */
  invalidOperations(): LoggedOperation[] {
    return this.operations.filter((operation) => operation.invalid.length > 0);
  }

  private log(
    transport: LoggedOperation['transport'],
    query: string,
    variables: Record<string, unknown>,
  ): { document?: DocumentNode; entry: LoggedOperation } {
    let document: DocumentNode | undefined;
    let invalid: string[];
    try {
      document = parse(query);
      invalid = validate(this.schema, document).map((error) => error.message);
    } catch (error) {
      invalid = [(error as Error).message];
    }
    const operation = document ? opOf(document) : undefined;
    const entry: LoggedOperation = {
      transport,
      operationName: operation?.name?.value ?? null,
      fields: (operation?.selectionSet.selections ?? []).flatMap((s) => (s.kind === 'Field' ? [s.name.value] : [])),
      query,
      variables,
      invalid,
    };
    this.operations.push(entry);
    return { ...(document && invalid.length === 0 ? { document } : {}), entry };
  }

  /** Runs a document against the resolvers; errors shaped as AppSync's. */
  private async run(
    document: DocumentNode,
    variables: Record<string, unknown>,
    caller: Caller,
    rootValue?: Record<string, unknown>,
  ): Promise<ExecutionResult & { errors?: never } & Record<string, unknown>> {
    const operation = opOf(document)!;
    const root =
      rootValue ??
      Object.fromEntries(
        operation.selectionSet.selections.flatMap((selection) => {
          if (selection.kind !== 'Field') return [];
          const name = selection.name.value;
          const resolver = this.resolvers[name];
          return [
            [
              name,
              (args: Record<string, unknown>) => {
                if (!resolver) throw new AppSyncError('FakeAppSync', `no resolver for ${name} in this test`);
                return resolver(args, caller);
              },
            ],
          ];
        }),
      );
    const result = await execute({ schema: this.schema, document, rootValue: root, variableValues: variables });
    if (!result.errors) return { data: result.data };
    return {
      data: result.data ?? null,
      errors: result.errors.map((error: GraphQLError) => {
        const original = error.originalError;
        return {
          path: error.path,
          data: null,
          errorType:
            original instanceof AppSyncError ? original.errorType : original ? 'Lambda:Unhandled' : 'ValidationError',
          errorInfo: null,
          locations: error.locations,
          message: error.message,
        };
      }),
    } as never;
  }

  /** POST /graphql: `{ query, variables }` with the `Authorization` header → AppSync's answer. */
  async http(body: string, authorization: string | undefined): Promise<{ status: number; body: unknown }> {
    const caller = this.authorize(authorization);
    if (!caller)
      return {
        status: 401,
        body: { errors: [{ errorType: 'UnauthorizedException', message: 'Valid authorization header not provided.' }] },
      };
    const request = JSON.parse(body) as { query: string; variables?: Record<string, unknown> };
    const { document, entry } = this.log('http', request.query, request.variables ?? {});
    if (!document)
      return {
        status: 400,
        body: { errors: entry.invalid.map((message) => ({ errorType: 'ValidationError', message })) },
      };
    return { status: 200, body: await this.run(document, request.variables ?? {}, caller) };
  }

  /**
   * One realtime connection: feed it the client's messages; it answers through `socket.send`.
   * `connectHeader` is the `header-…` subprotocol's content ('unseen' where the transport hides it:
   * each start message carries its own authorization, checked either way).
   */
  connect(socket: RealtimeSocket, connectHeader: Record<string, unknown> | 'unseen'): (message: string) => void {
    const send = (value: unknown) => socket.send(JSON.stringify(value));
    const connectionCaller =
      connectHeader === 'unseen'
        ? { username: '(unseen)', groups: [] }
        : this.authorize(connectHeader.Authorization as string | undefined);
    const mine = new Map<string, Subscription>();
    this.subscriptions.set(socket, mine);
    return (message: string) => {
      const value = JSON.parse(message) as {
        type: string;
        id?: string;
        payload?: { data?: string; extensions?: { authorization?: Record<string, unknown> } };
      };
      if (value.type === 'connection_init') {
        if (!connectionCaller) {
          send({
            type: 'connection_error',
            payload: { errors: [{ errorType: 'UnauthorizedException', errorCode: 401 }] },
          });
          return;
        }
        send({ type: 'connection_ack', payload: { connectionTimeoutMs: 300_000 } });
        send({ type: 'ka' });
        return;
      }
      if (value.type === 'start' && value.id) {
        const id = value.id;
        const caller = this.authorize(value.payload?.extensions?.authorization?.Authorization as string | undefined);
        const request = JSON.parse(value.payload?.data ?? '{}') as {
          query: string;
          variables?: Record<string, unknown>;
        };
        const { document, entry } = this.log('websocket', request.query, request.variables ?? {});
        if (!caller) {
          send({
            id,
            type: 'error',
            payload: { errors: [{ errorType: 'UnauthorizedException', message: 'Not Authorized' }] },
          });
          return;
        }
        if (!document || opOf(document)?.operation !== 'subscription') {
          send({
            id,
            type: 'error',
            payload: { errors: entry.invalid.map((message) => ({ errorType: 'ValidationError', message })) },
          });
          return;
        }
        mine.set(id, { id, field: entry.fields[0] ?? '', document, variables: request.variables ?? {}, caller });
        send({ id, type: 'start_ack' });
        return;
      }
      if (value.type === 'stop' && value.id) {
        mine.delete(value.id);
        send({ id: value.id, type: 'complete' });
      }
    };
  }

  disconnect(socket: RealtimeSocket): void {
    this.subscriptions.delete(socket);
  }

  /** Subscriptions open now on `field` (e.g. `onUpdateJob`). */
  subscribers(field: string): number {
    let count = 0;
    for (const subs of this.subscriptions.values())
      for (const sub of subs.values()) if (sub.field === field) count += 1;
    return count;
  }

  /**
   * What AppSync does after a mutation: pushes `value` to every subscription on `field` whose filter
   * matches, shaped by that subscription's own selection set.
   */
  async publish(field: string, value: Record<string, unknown>): Promise<number> {
    let delivered = 0;
    for (const [socket, subs] of this.subscriptions) {
      for (const sub of subs.values()) {
        if (sub.field !== field || !matches(sub.variables.filter, value)) continue;
        const result = await this.run(sub.document, sub.variables, sub.caller, { [field]: value });
        socket.send(JSON.stringify({ id: sub.id, type: 'data', payload: result }));
        delivered += 1;
      }
    }
    return delivered;
  }
}
