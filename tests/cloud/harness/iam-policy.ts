import type { AwsCall } from './aws-call-recorder.ts';
import type { Deployment } from './deploy.ts';
import { ACCOUNT } from './s3-events.ts';

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** One IAM request: an action on a resource, with the request's condition keys. */
export interface IamRequest {
  action: string;
  resource: string;
  context: Record<string, string>;
}

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : [value].flat());
const glob = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  ).test(value);

/** The statements of every policy attached to the function's role in the synthesized templates. */
export function functionStatements(deployment: Deployment, functionName: string): Statement[] {
  return roleStatements(deployment, deployment.props(deployment.assembly.lambda(functionName)).Role as string);
}

/** The statements of every policy attached to a role (inline and AWS::IAM::Policy), by the role's ARN. */
export function roleStatements(deployment: Deployment, roleArn: string): Statement[] {
  const { assembly } = deployment;
  const role = assembly.resources('AWS::IAM::Role').find((r) => assembly.physical(r).attributes.Arn === roleArn);
  if (!role) throw new Error(`${roleArn}: the role is not in the templates`);
  const roleName = assembly.physical(role).ref;
  const statements: Statement[] = [];
  for (const inline of (deployment.props(role).Policies as { PolicyDocument: { Statement: Statement[] } }[]) ?? []) {
    statements.push(...inline.PolicyDocument.Statement);
  }
  for (const policy of assembly.resources('AWS::IAM::Policy')) {
    const roles = (policy.properties.Roles as unknown[]) ?? [];
    const attached = roles.some((r) => assembly.resolve(r, policy.stack) === roleName);
    if (attached) statements.push(...(deployment.props(policy).PolicyDocument as { Statement: Statement[] }).Statement);
  }
  // AWSLambdaBasicExecutionRole (managed): CloudWatch Logs only, which the SDK calls never touch.
  return statements;
}

export function allows(statement: Statement, request: IamRequest): boolean {
  if (!list(statement.Action).some((action) => glob(action, request.action))) return false;
  if (!list(statement.Resource).some((resource) => glob(resource, request.resource))) return false;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const actual = request.context[key];
      if (actual === undefined) return false;
      const match = operator === 'StringLike' ? glob : (a: string, b: string) => a === b;
      if (operator !== 'StringLike' && operator !== 'StringEquals')
        throw new Error(`Condition ${operator} not modelled`);
      if (!list(expected).some((pattern) => match(pattern, actual))) return false;
    }
  }
  return true;
}

export function isAllowed(statements: Statement[], request: IamRequest): boolean {
  if (statements.some((s) => s.Effect === 'Deny' && allows(s, request))) return false;
  return statements.some((s) => s.Effect === 'Allow' && allows(s, request));
}

/** The IAM request(s) an SDK call is authorized as (resource ARNs from the call's own input). */
export function iamRequests(call: AwsCall, region = process.env.AWS_REGION ?? 'us-east-1'): IamRequest[] {
  const input = call.input;
  const [service, operation] = call.action.split(':') as [string, string];
  const one = (action: string, resource: string, context: Record<string, string> = {}): IamRequest[] => [
    { action, resource, context },
  ];
  switch (service) {
    case 's3': {
      const bucket = String(input.Bucket);
      if (operation === 'ListBucket')
        return one('s3:ListBucket', `arn:aws:s3:::${bucket}`, { 's3:prefix': String(input.Prefix ?? '') });
      const action = operation === 'HeadObject' ? 's3:GetObject' : `s3:${operation}`;
      return one(action, `arn:aws:s3:::${bucket}/${String(input.Key)}`);
    }
    case 'sqs': {
      const url = new URL(String(input.QueueUrl));
      const [, account, name] = url.pathname.split('/');
      return one(call.action, `arn:aws:sqs:${region}:${account}:${name}`);
    }
    case 'dynamodb': {
      const table = (name: unknown) => `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${String(name)}`;
      if (operation === 'TransactWriteItems') {
        // Authorized per item, as the item operation it is.
        return (input.TransactItems as Record<string, { TableName: string }>[]).flatMap((item) =>
          Object.entries(item).map(([kind, body]) => ({
            action: `dynamodb:${kind === 'ConditionCheck' ? 'ConditionCheckItem' : `${kind}Item`}`,
            resource: table(body.TableName),
            context: {},
          })),
        );
      }
      const index = input.IndexName ? `/index/${String(input.IndexName)}` : '';
      return one(call.action, `${table(input.TableName)}${index}`);
    }
    case 'secretsmanager':
      return one(call.action, String(input.SecretId));
    case 'glue':
      return one(call.action, `arn:aws:glue:${region}:${ACCOUNT}:job/${String(input.JobName)}`);
    default:
      throw new Error(`${call.action}: no IAM mapping in the harness`);
  }
}

/** Each (action, resource) an Allow statement grants that no recorded request used. */
export function unusedGrants(statements: Statement[], requests: IamRequest[]): string[] {
  const unused: string[] = [];
  for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
    for (const action of list(statement.Action)) {
      for (const resource of list(statement.Resource)) {
        const used = requests.some((r) => glob(action, r.action) && glob(resource, r.resource));
        if (!used) unused.push(`${action} on ${resource}`);
      }
    }
  }
  return [...new Set(unused)];
}
