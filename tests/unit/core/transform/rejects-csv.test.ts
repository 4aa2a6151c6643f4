import { describe, expect, it } from 'vitest';
import { formatRejectRow, spreadsheetSafe } from '../../../../src/core/transform/rejects-csv.ts';

const row = (source: string, column: string): string =>
  formatRejectRow({ recordNumber: 7, source, column, identifierType: 'EMAIL', reason: 'invalid_email' });

describe('rejects.csv rows', () => {
  it.each([
    ['=HYPERLINK("http://x")', `'=HYPERLINK("http://x")`],
    ['+cmd', "'+cmd"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['email', 'email'],
    ['e-mail', 'e-mail'],
  ])('a cell %j is written as %j (OWASP CSV injection)', (value, safe) => {
    expect(spreadsheetSafe(value)).toBe(safe);
  });

  it('guards file and column names, then quotes them', () => {
    expect(row('=1+1.csv', '@email')).toBe(`7,'=1+1.csv,'@email,EMAIL,invalid_email\n`);
    expect(row('in/a,b.csv', '=x,"y"')).toBe(`7,"in/a,b.csv","'=x,""y""",EMAIL,invalid_email\n`);
  });

  it('masks a column whose name is itself an identifier', () => {
    expect(row('in.csv', 'alice@example.com')).toBe('7,in.csv,a***@e***.com,EMAIL,invalid_email\n');
    expect(row('in.csv', '+1 613 555 0123')).toBe(`7,in.csv,'+1************3,EMAIL,invalid_email\n`);
    expect(row('in.csv', '')).toBe('7,in.csv,,EMAIL,invalid_email\n');
  });
});
