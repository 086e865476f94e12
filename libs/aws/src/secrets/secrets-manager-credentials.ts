import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RdsExportError, type DatabaseCredentials } from '@rds-s3-export/shared-types';

export class SecretError extends RdsExportError {
  override readonly name = 'SecretError';
  constructor(errorClass: 'config' | 'auth' | 'network', code: string, message: string, options?: { cause?: unknown }) {
    super(errorClass, code, message, options);
  }
}

/**
 * Database credentials from Secrets Manager (satisfies the core's CredentialProvider port).
 * The secret is the RDS JSON form: username, password, host, port, dbname. It is cached for
 * the life of the container and fetched again only when asked (`forceRefresh`, after the
 * database rejected the cached password: rotation). Nothing of the secret's value is ever put
 * in a message; errors name the secret id only.
 */
export class SecretsManagerCredentials {
  private cached: Promise<DatabaseCredentials> | undefined;

  constructor(
    private readonly options: {
      readonly client: SecretsManagerClient;
      readonly secretId: string;
      /** Used when the secret has no `dbname` (RDS-managed secrets often do not). */
      readonly defaultDatabase?: string;
    },
  ) {}

  get(options: { forceRefresh?: boolean } = {}): Promise<DatabaseCredentials> {
    if (options.forceRefresh || !this.cached) {
      this.cached = this.fetch();
      this.cached.catch(() => (this.cached = undefined));
    }
    return this.cached;
  }

  private async fetch(): Promise<DatabaseCredentials> {
    const id = this.options.secretId;
    let text: string | undefined;
    try {
      text = (await this.options.client.send(new GetSecretValueCommand({ SecretId: id }))).SecretString;
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      if (name === 'ResourceNotFoundException') throw new SecretError('config', 'SECRET_NOT_FOUND', `secret "${id}" does not exist`, { cause: error });
      if (name === 'AccessDeniedException') throw new SecretError('auth', 'SECRET_ACCESS_DENIED', `not allowed to read secret "${id}"`, { cause: error });
      throw new SecretError('network', 'SECRET_UNREACHABLE', `cannot read secret "${id}": ${name}`, { cause: error });
    }
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(text ?? '') as Record<string, unknown>;
    } catch {
      // Never include the text: it is the secret.
      throw new SecretError('config', 'SECRET_MALFORMED', `secret "${id}" is not JSON`);
    }
    const field = (name: string) => (typeof value[name] === 'string' || typeof value[name] === 'number' ? String(value[name]).trim() : '');
    const missing = ['username', 'password', 'host'].filter((f) => field(f) === '');
    const database = field('dbname') || this.options.defaultDatabase || '';
    if (!database) missing.push('dbname');
    if (missing.length) throw new SecretError('config', 'SECRET_MALFORMED', `secret "${id}" lacks ${missing.join(', ')}`);
    const port = Number(field('port') || 0);
    return { username: field('username'), password: String(value.password), host: field('host'), port, database };
  }
}
