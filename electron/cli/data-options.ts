// The Data panel's options as `lab` flags (inspect and train share them).
import { LabFailure, type OpenDatasetRequest } from '../../shared/api';
import { openOptionsShape } from '../../shared/schemas';
import type { ColumnRole } from '../../shared/types';
import { files } from './files';

export const DATA_OPTIONS = {
  label: { type: 'string' },
  delimiter: { type: 'string' },
  quote: { type: 'string' },
  header: { type: 'boolean' },
  'no-header': { type: 'boolean' },
  decimal: { type: 'string' },
  encoding: { type: 'string' },
  role: { type: 'string', multiple: true },
  ignore: { type: 'string', multiple: true },
  missing: { type: 'string' },
  scaling: { type: 'string' },
  'split-seed': { type: 'string' },
  'test-fraction': { type: 'string' },
  'file-split': { type: 'boolean' },
  'no-file-split': { type: 'boolean' },
  'image-size': { type: 'string' },
  'image-mode': { type: 'string' },
  labels: { type: 'string' },
} as const;

export const DATA_USAGE = `Data options (inspect and train; the engine sniffs or proposes anything not given):
  --delimiter , | tab | ; | pipe   --quote '"' | "'" | none   --header / --no-header
  --decimal . | ,   --encoding utf-8 | latin-1
  --label COLUMN (or none)   --role COLUMN=feature|label|ignore (repeatable)   --ignore COLUMN (repeatable)
  --missing drop | mean | median | mode   --scaling none | minmax | standardize
  --split-seed N   --test-fraction 0.2   --file-split / --no-file-split
  --image-size WxH   --image-mode grayscale | rgb   --labels FILE (NPY labels / vectors metadata)`;

type Flags = Partial<Record<keyof typeof DATA_OPTIONS, string | boolean | string[]>>;

const DELIMITER_NAMES: Record<string, string> = { tab: '\t', '\\t': '\t', comma: ',', semicolon: ';', pipe: '|', space: ' ' };

function bad(flag: string, value: unknown, want: string): LabFailure {
  return new LabFailure('bad-option', `--${flag} ${String(value)} is not valid: expected ${want}.`, 'Run "lab --help" for the options.');
}

/** Turns the flags into OpenDatasetRequest options, checked against the same schema as the UI's. */
export function openOptionsFromFlags(flags: Flags): Omit<OpenDatasetRequest, 'source'> {
  const out: Omit<OpenDatasetRequest, 'source'> = {};
  const str = (k: keyof Flags) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const d = str('delimiter');
  if (d !== undefined) out.delimiter = DELIMITER_NAMES[d.toLowerCase()] ?? d;
  const q = str('quote');
  if (q !== undefined) {
    if (q !== 'none' && q !== '"' && q !== "'") throw new LabFailure('bad-option', `--quote must be '"', "'" or none (got "${q}").`);
    out.quote = q === 'none' ? '' : q;
  }
  if (flags.header) out.header = true;
  if (flags['no-header']) out.header = false;
  if (str('decimal') !== undefined) out.decimal = str('decimal') as '.';
  if (str('encoding') !== undefined) out.encoding = str('encoding')!.toLowerCase().replace('latin1', 'latin-1').replace('utf8', 'utf-8') as 'utf-8';
  const label = str('label');
  if (label !== undefined) out.labelColumn = label === 'none' ? null : label;
  const roles: Record<string, ColumnRole> = {};
  for (const r of (flags.role as string[] | undefined) ?? []) {
    const at = r.lastIndexOf('=');
    const role = r.slice(at + 1);
    if (at < 1 || !['feature', 'label', 'ignore'].includes(role)) throw bad('role', r, 'COLUMN=feature, COLUMN=label or COLUMN=ignore');
    roles[r.slice(0, at)] = role as ColumnRole;
  }
  for (const c of (flags.ignore as string[] | undefined) ?? []) roles[c] = 'ignore';
  if (Object.keys(roles).length) out.roles = roles;
  if (str('missing') !== undefined) out.missing = str('missing') as 'drop';
  if (str('scaling') !== undefined) out.scaling = str('scaling')!.replace('min-max', 'minmax') as 'none';
  if (str('split-seed') !== undefined) out.splitSeed = Number(str('split-seed'));
  if (str('test-fraction') !== undefined) out.testFraction = Number(str('test-fraction'));
  if (flags['file-split']) out.fileSplit = true;
  if (flags['no-file-split']) out.fileSplit = false;
  const size = str('image-size');
  if (size !== undefined) {
    const m = /^(\d+)[x×](\d+)$/i.exec(size);
    if (!m) throw bad('image-size', size, 'WIDTHxHEIGHT, e.g. 28x28');
    out.imageSize = [Number(m[1]), Number(m[2])];
  }
  if (str('image-mode') !== undefined) out.imageMode = str('image-mode') as 'rgb';
  if (str('labels') !== undefined) out.labelsPath = files().enginePath(str('labels')!);
  // the same checks as a request from the UI
  for (const [key, value] of Object.entries(out)) {
    const schema = openOptionsShape[key as keyof typeof openOptionsShape];
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace('label-column', 'label').replace('labels-path', 'labels');
      throw bad(flag, Array.isArray(value) ? value.join('x') : value, parsed.error.issues[0]?.message ?? 'another value');
    }
  }
  return out;
}
