import { Option } from 'commander';

/** `--data DIR`: where snapshots live (default `$SEGSTREAM_DATA` or `./segstream-data`). */
export function dataDirOption(): Option {
  return new Option('--data <dir>', 'data directory holding the snapshots').default(process.env['SEGSTREAM_DATA'] ?? 'segstream-data');
}
