import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCOUNT } from './s3-events.ts';

/** One resource of the synthesized assembly, with its stack (root or nested) to resolve it in. */
export interface TemplateResource {
  stack: StackTemplate;
  logicalId: string;
  type: string;
  properties: Record<string, unknown>;
}

interface Template {
  Parameters?: Record<string, { Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface StackTemplate {
  name: string;
  template: Template;
  parent?: { stack: StackTemplate; logicalId: string };
}

/**
 * The synthesized Amplify backend (`npm run synth` → .amplify/artifacts/cdk.out) as one deployment on
 * moto: every resource gets a deterministic physical name (prefixed by `deployment`, so several test
 * files can each "deploy" it on the one moto server), and CloudFormation's intrinsic functions (Ref,
 * Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If, nested-stack parameters and outputs)
 * are resolved the way CloudFormation would, lazily: only what a test reads has to resolve.
 */
export class CloudAssembly {
  readonly stacks: StackTemplate[] = [];
  readonly region = process.env.AWS_REGION ?? 'us-east-1';
  /** Physical ids fixed by moto on creation (a secret's ARN has a random suffix). */
  readonly overrides = new Map<string, string>();

  constructor(
    readonly cdkOut: string,
    readonly deployment: string,
    readonly endpoint: string,
  ) {
    const rootFile = readdirSync(cdkOut).find((f) => f.endsWith('.template.json') && !f.includes('.nested.'));
    if (!rootFile) throw new Error(`No synthesized template in ${cdkOut}: run \`npm run synth\` first.`);
    const assets = JSON.parse(readFileSync(join(cdkOut, rootFile.replace('.template.json', '.assets.json')), 'utf8'))
      .files as Record<string, { source: { path: string } }>;
    const load = (name: string, file: string, parent?: StackTemplate['parent']): void => {
      const stack: StackTemplate = { name, template: JSON.parse(readFileSync(join(cdkOut, file), 'utf8')), parent };
      this.stacks.push(stack);
      for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
        if (resource.Type !== 'AWS::CloudFormation::Stack') continue;
        const hash = /\/([0-9a-f]{64})\.json/.exec(JSON.stringify(resource.Properties?.TemplateURL))?.[1];
        const nested = hash && assets[hash]?.source.path;
        if (!nested || !existsSync(join(cdkOut, nested)))
          throw new Error(`Nested stack ${logicalId}: template not found`);
        load(logicalId, nested, { stack, logicalId });
      }
    };
    load('root', rootFile);
  }

  /** Resources of a type in every stack, optionally filtered. */
  resources(type: string, where: (resource: TemplateResource) => boolean = () => true): TemplateResource[] {
    return this.stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources)
        .filter(([, r]) => r.Type === type)
        .map(([logicalId, r]) => ({ stack, logicalId, type: r.Type, properties: r.Properties ?? {} }))
        .filter(where),
    );
  }

  one(type: string, where: (resource: TemplateResource) => boolean = () => true): TemplateResource {
    const found = this.resources(type, where);
    if (found.length !== 1) throw new Error(`Expected one ${type}, found ${found.length}`);
    return found[0]!;
  }

  /** The Amplify function tagged `amplify:friendly-name` = name. */
  lambda(name: string): TemplateResource {
    return this.one('AWS::Lambda::Function', (r) =>
      ((r.properties.Tags as { Key: string; Value: string }[]) ?? []).some(
        (tag) => tag.Key === 'amplify:friendly-name' && tag.Value === name,
      ),
    );
  }

  resolve(value: unknown, stack: StackTemplate): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item, stack));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [key, argument] = entries[0]!;
      if (key === 'Ref') return this.#ref(argument as string, stack);
      if (key === 'Fn::GetAtt') {
        const [id, ...attribute] = typeof argument === 'string' ? argument.split('.') : (argument as string[]);
        return this.#getAtt(id!, attribute.join('.'), stack);
      }
      if (key === 'Fn::Join') {
        const [separator, parts] = argument as [string, unknown[]];
        return (this.resolve(parts, stack) as unknown[]).join(separator);
      }
      if (key === 'Fn::Sub') {
        const [text, variables] = typeof argument === 'string' ? [argument, {}] : (argument as [string, object]);
        return text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
          if (name in variables) return String(this.resolve((variables as Record<string, unknown>)[name], stack));
          const [id, ...attribute] = name.split('.');
          return String(attribute.length ? this.#getAtt(id!, attribute.join('.'), stack) : this.#ref(name, stack));
        });
      }
      if (key === 'Fn::Select') {
        const [index, list] = argument as [number | string, unknown];
        return (this.resolve(list, stack) as unknown[])[Number(this.resolve(index, stack))];
      }
      if (key === 'Fn::Split') {
        const [separator, text] = argument as [string, unknown];
        return String(this.resolve(text, stack)).split(separator);
      }
      if (key === 'Fn::If') {
        const [condition, yes, no] = argument as [string, unknown, unknown];
        return this.resolve(this.#condition(condition, stack) ? yes : no, stack);
      }
      if (key.startsWith('Fn::')) throw new Error(`${key} is not resolved by the test harness`);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v, stack)]));
  }

  #condition(name: string, stack: StackTemplate): boolean {
    const evaluate = (node: unknown): unknown => {
      if (node && typeof node === 'object' && !Array.isArray(node)) {
        const [[key, argument]] = Object.entries(node) as [[string, unknown]];
        if (key === 'Fn::Equals') {
          const [a, b] = (argument as unknown[]).map(evaluate);
          return a === b;
        }
        if (key === 'Fn::Not') return !evaluate((argument as unknown[])[0]);
        if (key === 'Fn::And') return (argument as unknown[]).every((x) => evaluate(x));
        if (key === 'Fn::Or') return (argument as unknown[]).some((x) => evaluate(x));
        if (key === 'Condition') return this.#condition(argument as string, stack);
        if (key === 'Fn::Contains') {
          const [list, item] = (argument as unknown[]).map(evaluate);
          return (list as unknown[]).includes(item);
        }
      }
      return this.resolve(node, stack);
    };
    return Boolean(evaluate(stack.template.Conditions?.[name]));
  }

  #ref(name: string, stack: StackTemplate): unknown {
    const pseudo: Record<string, string> = {
      'AWS::AccountId': ACCOUNT,
      'AWS::Region': this.region,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': `${this.deployment}-${stack.name}`,
      'AWS::StackId': `arn:aws:cloudformation:${this.region}:${ACCOUNT}:stack/${this.deployment}-${stack.name}/0`,
    };
    if (name in pseudo) return pseudo[name];
    if (name === 'AWS::NoValue') return undefined;
    const parameter = stack.template.Parameters?.[name];
    if (parameter) {
      const given = stack.parent
        ? (
            stack.parent.stack.template.Resources[stack.parent.logicalId]!.Properties?.Parameters as
              Record<string, unknown> | undefined
          )?.[name]
        : undefined;
      return given !== undefined ? this.resolve(given, stack.parent!.stack) : parameter.Default;
    }
    const resource = stack.template.Resources[name];
    if (!resource) throw new Error(`Ref ${name}: no such parameter or resource in ${stack.name}`);
    return this.physical({ stack, logicalId: name, type: resource.Type, properties: resource.Properties ?? {} }).ref;
  }

  #getAtt(id: string, attribute: string, stack: StackTemplate): unknown {
    const resource = stack.template.Resources[id];
    if (!resource) throw new Error(`Fn::GetAtt ${id}.${attribute}: no such resource in ${stack.name}`);
    if (resource.Type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) {
      const child = this.stacks.find((s) => s.parent?.stack === stack && s.parent.logicalId === id)!;
      const output = child.template.Outputs?.[attribute.slice('Outputs.'.length)];
      if (!output) throw new Error(`${id}.${attribute}: no such output`);
      return this.resolve(output.Value, child);
    }
    const physical = this.physical({
      stack,
      logicalId: id,
      type: resource.Type,
      properties: resource.Properties ?? {},
    });
    if (!(attribute in physical.attributes))
      throw new Error(`Fn::GetAtt ${id}.${attribute} (${resource.Type}) is not modelled`);
    return physical.attributes[attribute];
  }

  /** The name moto knows a resource by: its own Name property when set, else deployment + logical id. */
  physicalName(resource: TemplateResource, maxLength = 63): string {
    const named: Record<string, string> = {
      'AWS::Glue::Job': 'Name',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::S3::Bucket': 'BucketName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::SecretsManager::Secret': 'Name',
      'AWS::Events::Rule': 'Name',
      'AWS::IAM::Role': 'RoleName',
    };
    const property = named[resource.type];
    // A name the template fixes is used as is (other resources and rules name it literally).
    if (property && resource.properties[property] !== undefined) {
      return String(this.resolve(resource.properties[property], resource.stack));
    }
    const base = `${this.deployment}-${resource.logicalId}`;
    return (resource.type === 'AWS::S3::Bucket' ? base.toLowerCase() : base).slice(0, maxLength);
  }

  physical(resource: TemplateResource): { ref: string; attributes: Record<string, string> } {
    const name = this.physicalName(resource);
    const region = this.region;
    const key = `${resource.stack.name}/${resource.logicalId}`;
    switch (resource.type) {
      case 'AWS::S3::Bucket':
        return {
          ref: name,
          attributes: {
            Arn: `arn:aws:s3:::${name}`,
            DomainName: `${name}.s3.amazonaws.com`,
            RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
          },
        };
      case 'AWS::SQS::Queue':
        return {
          ref: `${this.endpoint}/${ACCOUNT}/${name}`,
          attributes: { Arn: `arn:aws:sqs:${region}:${ACCOUNT}:${name}`, QueueName: name },
        };
      case 'AWS::DynamoDB::Table':
        return {
          ref: name,
          attributes: {
            Arn: `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${name}`,
            StreamArn: `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${name}/stream/0`,
          },
        };
      case 'AWS::SecretsManager::Secret': {
        const arn = this.overrides.get(key) ?? `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}`;
        return { ref: arn, attributes: { Id: arn } };
      }
      case 'AWS::KMS::Key':
        return { ref: name, attributes: { Arn: `arn:aws:kms:${region}:${ACCOUNT}:key/${name}`, KeyId: name } };
      case 'AWS::IAM::Role':
        return { ref: name, attributes: { Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, RoleId: name } };
      case 'AWS::Lambda::Function':
        return { ref: name, attributes: { Arn: `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}` } };
      case 'AWS::Events::Rule':
        return { ref: name, attributes: { Arn: `arn:aws:events:${region}:${ACCOUNT}:rule/${name}` } };
      case 'AWS::AppSync::GraphQLApi': {
        const url = this.overrides.get(key) ?? 'http://127.0.0.1:1/graphql';
        return {
          ref: `arn:aws:appsync:${region}:${ACCOUNT}:apis/${name}`,
          attributes: { ApiId: name, Arn: `arn:aws:appsync:${region}:${ACCOUNT}:apis/${name}`, GraphQLUrl: url },
        };
      }
      default:
        return {
          ref: name,
          attributes: { Arn: `arn:aws:${resource.type.split('::')[1]!.toLowerCase()}:${region}:${ACCOUNT}:${name}` },
        };
    }
  }

  key(resource: TemplateResource): string {
    return `${resource.stack.name}/${resource.logicalId}`;
  }
}
