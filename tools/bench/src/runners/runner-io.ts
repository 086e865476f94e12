/** What every runner child prints as its last stdout line, read by the harness. */
export interface RunnerResult {
  readonly rows: number;
  readonly bytes: number;
  /** The work itself (connect .. last byte), seconds. */
  readonly seconds: number;
}

export function report(result: RunnerResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

export function seconds(startedNs: bigint): number {
  return Number(process.hrtime.bigint() - startedNs) / 1e9;
}

/** `--name value` pairs; every runner takes only required string options. */
export function argsOf<N extends string>(argv: readonly string[], names: readonly N[]): Record<N, string> {
  const out: Partial<Record<N, string>> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = (argv[i]?.replace(/^--/, '') ?? '') as N;
    if (!names.includes(name) || argv[i + 1] === undefined) throw new Error(`usage: ${names.map((n) => `--${n} <value>`).join(' ')}`);
    out[name] = argv[i + 1] as string;
  }
  for (const n of names) if (out[n] === undefined) throw new Error(`missing --${n}`);
  return out as Record<N, string>;
}
