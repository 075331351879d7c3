/** Builds an Arrow-style Utf8 column (bytes + offsets) from strings, for the kernel tests. */
export function utf8Column(values: readonly string[]): { bytes: Uint8Array; offsets: Int32Array } {
  const enc = new TextEncoder();
  const parts = values.map((v) => enc.encode(v));
  const offsets = new Int32Array(values.length + 1);
  for (let i = 0; i < parts.length; i++) offsets[i + 1] = offsets[i]! + parts[i]!.length;
  const bytes = new Uint8Array(offsets[values.length]!);
  for (const [i, p] of parts.entries()) bytes.set(p, offsets[i]!);
  return { bytes, offsets };
}
