// adviseHugePages asks Linux for huge pages under a large array before its first writes (the
// plain numeric reader's matrix: 4 KB page faults cost more than parsing on a virtual machine).
// It is only advice: the contents must not change, and where the system offers transparent huge
// pages on request the call must say it was made.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adviseHugePages, nativeAddon } from '../../electron/engine/native/addon';
import { skipNative } from './helpers/native';

const THP = '/sys/kernel/mm/transparent_hugepage/enabled';
const offered = process.platform === 'linux' && existsSync(THP) && /\[(always|madvise)\]/.test(readFileSync(THP, 'utf8'));

describe.skipIf(skipNative)('huge pages for fresh arrays', () => {
  it('leaves the contents alone, on plain and shared memory, and says when the advice was taken', () => {
    for (const buffer of [new ArrayBuffer(12 << 20), new SharedArrayBuffer(12 << 20)]) {
      const a = new Float32Array(buffer);
      for (let i = 0; i < a.length; i += 1021) a[i] = i * 0.5;
      const done = adviseHugePages(a);
      expect(done).toBe(offered);
      for (let i = 0; i < a.length; i += 1021) expect(a[i]).toBe(i * 0.5);
      for (let i = 7; i < a.length; i += 4099) a[i] = -i;
      for (let i = 7; i < a.length; i += 4099) expect(a[i]).toBe(-i);
    }
    // smaller than one whole huge page inside it: nothing to advise
    expect(adviseHugePages(new Float32Array(1000))).toBe(false);
  });

  it('refuses something that is not a typed array', () => {
    expect(() => nativeAddon().addon!.adviseHugePages!({} as never)).toThrow(/typed array/);
  });
});
