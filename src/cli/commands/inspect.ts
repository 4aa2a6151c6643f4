import { UserError } from '../../core/errors.ts';
import { HEADER_HELP, parseCommandArguments, parseHeaderMode } from '../command-arguments.ts';
import { openLocalInputs } from '../../adapters/node/local-inputs.ts';
import {
  DEFAULT_SAMPLE_ROWS,
  discoverSchema,
  type DiscoveredSchema,
  type ValueKind,
} from '../../core/schema/discover-schema.ts';

const HELP = `Usage: audience-uploader inspect <input...> [--json] [--sample-rows N] [--header auto|present|absent]

Reads the first rows of the input (files or folders of part files) and shows each column's value
kinds, fill rate, masked examples and suggested identifier type, then a --map line for transform.

  --json            print the discovered schema as JSON
  --sample-rows N   rows to sample (default ${DEFAULT_SAMPLE_ROWS})
${HEADER_HELP}
`;

/** `inspect <input...>`: discover the schema of a bounded sample and suggest a mapping. */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArguments('inspect', args, {
    json: { type: 'boolean' },
    'sample-rows': { type: 'string' },
    header: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length === 0) {
    throw new UserError({
      code: 'missing_input',
      title: 'No input given',
      detail: 'inspect needs at least one file or folder to read.',
      resolution: 'Run `audience-uploader inspect <file-or-folder>`, e.g. `inspect results/part-00000.jsonl`.',
      field: 'input',
    });
  }
  const sampleRows = values['sample-rows'] === undefined ? DEFAULT_SAMPLE_ROWS : Number(values['sample-rows']);
  if (!Number.isInteger(sampleRows) || sampleRows < 1) {
    throw new UserError({
      code: 'invalid_option',
      title: 'Invalid --sample-rows',
      detail: '--sample-rows must be a whole number of at least 1.',
      resolution: 'Pass e.g. `--sample-rows 1000`.',
      field: '--sample-rows',
    });
  }
  const header = parseHeaderMode(values.header);
  const schema = await discoverSchema(await openLocalInputs(positionals), { sampleRows, header });
  process.stdout.write(values.json ? `${JSON.stringify(schema, null, 2)}\n` : renderSchema(schema));
  return 0;
}

const KIND_ORDER: ValueKind[] = ['string', 'integer', 'float', 'boolean', 'object', 'null'];

/** The schema as a text table plus a `--map` line to copy. */
export function renderSchema(schema: DiscoveredSchema): string {
  const { format } = schema;
  const formatText = `${format.format}${format.delimiter && format.delimiter !== ',' && format.format !== 'tsv' ? ` (delimiter ${JSON.stringify(format.delimiter)})` : ''}${format.hasHeader === false ? ', no header row (the first row is a record)' : ''}${format.compression === 'gzip' ? ', gzip' : ''}`;
  const header = ['column', 'kinds', 'filled', 'examples (masked)', 'suggested'];
  const rows = schema.columns.map((column) => [
    column.name,
    KIND_ORDER.filter((kind) => column.kinds[kind] > 0)
      .map((kind) => `${kind} ${column.kinds[kind]}`)
      .join(', '),
    `${Math.round(column.fillRate * 100)}%`,
    column.examples.join(', '),
    column.suggestedType ? `${column.suggestedType} (${Math.round(column.confidence * 100)}% valid)` : '-',
  ]);
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [
    `Format: ${formatText}; sampled ${schema.sampledRows} rows${schema.malformedRows > 0 ? ` (+${schema.malformedRows} malformed)` : ''}.`,
    '',
  ];
  if (rows.length > 0) out.push(line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line), '');
  if (schema.columns.some((column) => column.suggestedType === 'PHONE' && column.confidence < 0.5)) {
    out.push(
      'Few phone numbers are valid in the default region (US): if they lack a country code, add --phone-region <country>, e.g. --phone-region GB.',
      '',
    );
  }
  if (schema.columns.some((column) => column.maskedName)) {
    out.push(
      'Some column names are identifiers (shown masked): the first row looks like data. Pass --header absent to read it as a record.',
      '',
    );
  }
  if (schema.sampledRows === 0) {
    out.push('No records found: the input is empty, or every sampled row was malformed.');
  } else if (schema.suggestedMapping.length === 0 && schema.columns.some((column) => column.maskedName)) {
    out.push('No mapping suggested while column names are identifiers.');
  } else if (schema.suggestedMapping.length === 0) {
    out.push('No identifier column recognized; map columns yourself with --map <column>=<EMAIL|PHONE|IDFA|GAID|MAID>.');
  } else {
    out.push('Suggested mapping (check it, then pass it to transform):');
    out.push(
      `  ${schema.suggestedMapping.map(({ column, type }) => `--map ${shellQuote(`${column}=${type}`)}`).join(' ')}`,
    );
  }
  return `${out.join('\n')}\n`;
}

function shellQuote(text: string): string {
  return /^[\w.,:@%+=/-]+$/u.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
