/** Problems found in a dataset manifest, located by file and line (JSONL) or array index (JSON). */

export interface RecordLocation {
  file: string;
  /** 1-based line (JSONL: the record's line; JSON array: the line where the record starts). */
  line?: number;
  /** 0-based position in the array, for JSON-array manifests. */
  index?: number;
}

export interface DatasetIssue extends RecordLocation {
  reason: string;
}

/** "file:line: reason" (JSONL), "file[index] (line n): reason" (JSON array) or "file: reason". */
export function formatIssue(issue: DatasetIssue): string {
  return `${formatLocation(issue)}: ${issue.reason}`;
}

/** "file:line", "file[index] (line n)" or "file". */
export function formatLocation(at: RecordLocation): string {
  if (at.index !== undefined) return `${at.file}[${at.index}]${at.line !== undefined ? ` (line ${at.line})` : ''}`;
  if (at.line !== undefined) return `${at.file}:${at.line}`;
  return at.file;
}

/** Issues in file order (stable for issues of the same record). */
export function sortIssues(issues: readonly DatasetIssue[]): DatasetIssue[] {
  const key = (i: DatasetIssue): number => i.line ?? i.index ?? -1;
  return issues.map((issue, order) => ({ issue, order })).sort((a, b) => key(a.issue) - key(b.issue) || a.order - b.order).map((e) => e.issue);
}
