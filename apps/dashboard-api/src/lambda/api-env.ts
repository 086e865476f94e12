/** The one place the API's Lambda environment is read: trimmed, with the missing key named. */
export interface ApiEnv {
  readonly exportBucket: string | undefined;
  readonly exporterLogGroup: string;
}

export function readApiEnv(source: Readonly<Record<string, string | undefined>>): ApiEnv {
  const optional = (name: string) => {
    const value = source[name]?.trim();
    return value ? value : undefined;
  };
  const required = (name: string) => {
    const value = optional(name);
    if (!value) throw new Error(`environment variable ${name} is not set; the dashboard API needs it`);
    return value;
  };
  return { exportBucket: optional('EXPORT_BUCKET'), exporterLogGroup: required('EXPORTER_LOG_GROUP') };
}
