import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import {
  type DocumentNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  GraphQLError,
  type GraphQLSchema,
  buildSchema,
  execute,
  getNamedType,
  isNonNullType,
  parse,
  validate,
  type OperationDefinitionNode,
} from 'graphql';
import { closeServer, listenOnLoopback } from '../../helpers/loopback-server.ts';

/** AppSync's own scalars and directives, which its schemas use without declaring. */
const APPSYNC_PRELUDE = `
scalar AWSJSON
scalar AWSDateTime
scalar AWSDate
scalar AWSTime
scalar AWSTimestamp
scalar AWSEmail
scalar AWSURL
scalar AWSPhone
scalar AWSIPAddress
directive @aws_iam on FIELD_DEFINITION | OBJECT
directive @aws_api_key on FIELD_DEFINITION | OBJECT
directive @aws_oidc on FIELD_DEFINITION | OBJECT
directive @aws_lambda on FIELD_DEFINITION | OBJECT
directive @aws_cognito_user_pools(cognito_groups: [String]) on FIELD_DEFINITION | OBJECT
directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION
`;

export interface DataApiOperation {
  /** The access key the request was signed with (the harness gives each function its own). */
  principal: string;
  operationType: 'query' | 'mutation';
  operationName: string;
  rootFields: string[];
  variables: Record<string, unknown>;
  errors: string[];
}

type Item = Record<string, unknown>;

interface IndexQuery {
  model: string;
  partition: string;
  sort?: string;
}

const PAGE_LIMIT = 100;

/**
 * The Data API (AppSync) as the functions see it, for tests: a GraphQL server over the SYNTHESIZED
 * schema. Every request must be SigV4-signed for `appsync` (the function's IAM role), must parse and
 * validate against the schema, and may only use root fields open to IAM (`@aws_iam`); otherwise it is
 * refused as AppSync would. Amplify's model operations (get, list, create, update and delete with
 * conditions, the secondary-index queries) run against an in-memory table per model, with AppSync's
 * error types (DynamoDB:ConditionalCheckFailedException). Every record stays inspectable.
 */
export class DataApiServer {
  readonly schema: GraphQLSchema;
  readonly operations: DataApiOperation[] = [];
  readonly tables = new Map<string, Map<string, Item>>();
  #server?: Server;
  url = '';
  #clock = 0;

  constructor(schemaText: string) {
    this.schema = buildSchema(APPSYNC_PRELUDE + schemaText);
  }

  async start(): Promise<string> {
    this.#server = createServer((request, response) => {
      void this.#handle(request).then(({ status, body }) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
    });
    this.url = `${await listenOnLoopback(this.#server)}/graphql`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (this.#server) await closeServer(this.#server);
  }

  table(model: string): Map<string, Item> {
    let table = this.tables.get(model);
    if (!table) this.tables.set(model, (table = new Map()));
    return table;
  }

  /** Every stored record of every model (for the privacy scan). */
  allRecords(): Item[] {
    return [...this.tables.values()].flatMap((table) => [...table.values()]);
  }

  async #handle(request: IncomingMessage): Promise<{ status: number; body: object }> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const authorization = String(request.headers.authorization ?? '');
    const signed = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/[a-z0-9-]+\/appsync\/aws4_request/.exec(authorization);
    if (!signed) {
      return {
        status: 401,
        body: { errors: [{ errorType: 'UnauthorizedException', message: 'Not SigV4-signed for appsync' }] },
      };
    }
    const {
      query,
      variables = {},
      operationName,
    } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      query: string;
      variables?: Record<string, unknown>;
      operationName?: string;
    };
    const principal = signed[1]!;
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return this.#refuse(principal, 'query', operationName ?? 'unparsed', [], variables, [(error as Error).message]);
    }
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    const name = operation?.name?.value ?? operationName ?? 'anonymous';
    const rootFields = (operation?.selectionSet.selections ?? []).flatMap((s) =>
      s.kind === 'Field' ? [s.name.value] : [],
    );
    const type = operation?.operation === 'mutation' ? 'mutation' : 'query';
    const invalid = validate(this.schema, document).map((e) => e.message);
    if (invalid.length) return this.#refuse(principal, type, name, rootFields, variables, invalid);
    const rootType = operation!.operation === 'mutation' ? this.schema.getMutationType()! : this.schema.getQueryType()!;
    const closed = rootFields.filter(
      (field) => !rootType.getFields()[field]!.astNode?.directives?.some((d) => d.name.value === 'aws_iam'),
    );
    if (closed.length) {
      return this.#refuse(principal, type, name, rootFields, variables, [
        `Not Authorized to access ${closed.join(', ')} on type ${rootType.name}`,
      ]);
    }
    const result = await execute({
      schema: this.schema,
      document,
      variableValues: variables,
      fieldResolver: this.#resolver,
    });
    const errors = (result.errors ?? []).map((e) => ({
      message: e.message,
      errorType: (e.originalError as { errorType?: string } | undefined)?.errorType ?? null,
    }));
    this.operations.push({
      principal,
      operationType: type,
      operationName: name,
      rootFields,
      variables,
      errors: errors.map((e) => e.message),
    });
    return { status: 200, body: errors.length ? { data: result.data ?? null, errors } : { data: result.data } };
  }

  #refuse(
    principal: string,
    operationType: 'query' | 'mutation',
    operationName: string,
    rootFields: string[],
    variables: Record<string, unknown>,
    messages: string[],
  ) {
    this.operations.push({ principal, operationType, operationName, rootFields, variables, errors: messages });
    return { status: 400, body: { errors: messages.map((message) => ({ errorType: 'ValidationError', message })) } };
  }

  /** Root fields dispatch to the model operations; nested fields read the item's property. */
  #resolver: GraphQLFieldResolver<unknown, unknown> = (source, args, _context, info) => {
    if (info.parentType !== this.schema.getQueryType() && info.parentType !== this.schema.getMutationType()) {
      return (source as Item | null)?.[info.fieldName];
    }
    const field = info.parentType.getFields()[info.fieldName]!;
    return this.#root(info.fieldName, field, args as Record<string, unknown>);
  };

  #root(name: string, field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): unknown {
    const returned = getNamedType(field.type).name;
    let match: RegExpExecArray | null;
    if ((match = /^(create|update|delete)(\w+)$/.exec(name)) && this.#isModel(match[2]!)) {
      const [, verb, model] = match;
      return this.#mutate(verb as 'create', model!, args.input as Item, args.condition as Item | undefined);
    }
    if ((match = /^get(\w+)$/.exec(name)) && this.#isModel(match[1]!)) {
      return this.table(match[1]!).get(String(args.id)) ?? null;
    }
    if ((match = /^Model(\w+)Connection$/.exec(returned)) && this.#isModel(match[1]!)) {
      return this.#list(this.#indexOf(match[1]!, field), args);
    }
    throw new GraphQLError(`${name} is a custom operation: its function is not served by the test Data API`);
  }

  #isModel(name: string): boolean {
    return this.schema.getMutationType()?.getFields()[`create${name}`] !== undefined;
  }

  #indexOf(model: string, field: GraphQLField<unknown, unknown>): IndexQuery {
    const standard = new Set(['filter', 'limit', 'nextToken', 'sortDirection']);
    const keyArgs = field.args.filter((a) => !standard.has(a.name));
    const partition = keyArgs.find((a) => isNonNullType(a.type))?.name;
    const sort = keyArgs.find((a) => /KeyConditionInput$/.test(getNamedType(a.type).name))?.name;
    return { model, partition: partition ?? '', sort };
  }

  #list(index: IndexQuery, args: Record<string, unknown>): { items: Item[]; nextToken: string | null } {
    let items = [...this.table(index.model).values()];
    if (index.partition) items = items.filter((item) => item[index.partition] === args[index.partition]);
    if (index.sort && args[index.sort]) {
      items = items.filter((item) => keyCondition(item[index.sort!], args[index.sort!] as Item));
    }
    if (index.sort) {
      items.sort((a, b) => compare(a[index.sort!], b[index.sort!]));
      if (args.sortDirection === 'DESC') items.reverse();
    }
    const start = args.nextToken ? Number(Buffer.from(String(args.nextToken), 'base64').toString()) : 0;
    const limit = Number(args.limit ?? PAGE_LIMIT);
    // Like DynamoDB, the limit bounds the items read, and the filter applies after it.
    const page = items.slice(start, start + limit);
    const next = start + limit < items.length ? Buffer.from(String(start + limit)).toString('base64') : null;
    const filter = args.filter as Item | undefined;
    return { items: filter ? page.filter((item) => matches(item, filter)) : page, nextToken: next };
  }

  #mutate(verb: 'create' | 'update' | 'delete', model: string, input: Item, condition?: Item): Item {
    const table = this.table(model);
    const id = String(input.id ?? (verb === 'create' ? randomUUID() : ''));
    const existing = table.get(id);
    const failed = () =>
      Object.assign(new GraphQLError('The conditional request failed (Service: DynamoDb, Status Code: 400)'), {
        errorType: 'DynamoDB:ConditionalCheckFailedException',
      });
    if (verb === 'create' ? existing : !existing) throw failed();
    if (existing && condition && !matches(existing, condition)) throw failed();
    // Strictly increasing times, so "updated after" comparisons never tie within one millisecond.
    this.#clock = Math.max(Date.now(), this.#clock + 1);
    const now = new Date(this.#clock).toISOString();
    if (verb === 'delete') {
      table.delete(id);
      return existing!;
    }
    const item: Item =
      verb === 'create'
        ? { createdAt: now, updatedAt: now, ...input, id }
        : { ...existing, ...input, id, updatedAt: now };
    for (const [key, value] of Object.entries(item)) if (value === null && verb === 'create') delete item[key];
    table.set(id, item);
    return item;
  }
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

function keyCondition(value: unknown, condition: Item): boolean {
  return matchesField(value, condition);
}

/** Amplify's filter / condition input: per-field operators, and/or/not. */
function matches(item: Item, filter: Item): boolean {
  return Object.entries(filter).every(([key, operand]) => {
    if (key === 'and') return (operand as Item[]).every((f) => matches(item, f));
    if (key === 'or') return (operand as Item[]).some((f) => matches(item, f));
    if (key === 'not') return !matches(item, operand as Item);
    return matchesField(item[key], operand as Item);
  });
}

function matchesField(value: unknown, operators: Item): boolean {
  return Object.entries(operators).every(([operator, operand]) => {
    switch (operator) {
      case 'eq':
        return value === operand;
      case 'ne':
        return value !== operand;
      case 'lt':
        return value !== undefined && value !== null && compare(value, operand) < 0;
      case 'le':
        return value !== undefined && value !== null && compare(value, operand) <= 0;
      case 'gt':
        return value !== undefined && value !== null && compare(value, operand) > 0;
      case 'ge':
        return value !== undefined && value !== null && compare(value, operand) >= 0;
      case 'between': {
        const [low, high] = operand as unknown[];
        return compare(value, low) >= 0 && compare(value, high) <= 0;
      }
      case 'beginsWith':
        return typeof value === 'string' && value.startsWith(String(operand));
      case 'contains':
        return Array.isArray(value) ? value.includes(operand) : String(value ?? '').includes(String(operand));
      case 'notContains':
        return !(Array.isArray(value) ? value.includes(operand) : String(value ?? '').includes(String(operand)));
      case 'attributeExists':
        return (value !== undefined && value !== null) === operand;
      case 'in':
        return (operand as unknown[]).includes(value);
      default:
        throw new GraphQLError(`Filter operator ${operator} is not supported by the test Data API`);
    }
  });
}
