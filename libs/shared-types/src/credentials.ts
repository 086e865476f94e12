/**
 * What a row source needs to log in: the fields of an RDS-format secret (Secrets Manager in AWS)
 * or of a connection URL (local runs). The export core's `CredentialProvider` port returns it;
 * libs/aws `SecretsManagerCredentials` and the exporter's URL credentials produce it.
 */
export interface DatabaseCredentials {
  readonly username: string;
  readonly password: string;
  readonly host: string;
  /** 0 = the engine's default port (DEFAULT_PORTS). */
  readonly port: number;
  readonly database: string;
}
