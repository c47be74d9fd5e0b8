import { VigilError } from '@vigil/base';

/** One problem found while reading a CIB: which element, where, and what is wrong. */
export interface CibIssue {
  severity: 'error' | 'warning';
  /** Tag of the element at fault, e.g. `primitive`. */
  tag: string;
  /** Its id, when it has one. */
  id?: string;
  line?: number;
  col?: number;
  message: string;
}

/** `<primitive id="web"> (line 12)`: how messages name an element. */
export function describeIssueElement(i: Pick<CibIssue, 'tag' | 'id' | 'line'>): string {
  const idPart = i.id === undefined ? '' : ` id="${i.id}"`;
  const linePart = i.line === undefined ? '' : ` (line ${i.line})`;
  return `<${i.tag}${idPart}>${linePart}`;
}

export function formatIssue(i: CibIssue): string {
  return `${describeIssueElement(i)}: ${i.message}`;
}

/** Most issues listed in one error message; all of them are in `details.errors`. */
export const MAX_ISSUES_IN_MESSAGE = 20;

/** The VGL_E_CIB_INVALID error for a list of issues (all errors are kept in details). */
export function cibInvalidError(errors: CibIssue[], warnings: CibIssue[] = []): VigilError {
  const shown = errors.slice(0, MAX_ISSUES_IN_MESSAGE).map((e) => `  ${formatIssue(e)}`);
  const more =
    errors.length > MAX_ISSUES_IN_MESSAGE
      ? [`  … and ${errors.length - MAX_ISSUES_IN_MESSAGE} more`]
      : [];
  const n = errors.length;
  return new VigilError(
    'VGL_E_CIB_INVALID',
    `invalid CIB: ${n} error${n === 1 ? '' : 's'}\n${[...shown, ...more].join('\n')}`,
    { errors, warnings },
  );
}
