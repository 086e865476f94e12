import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface ExportStateTableProps {
  /** Customer-managed key. @default the AWS-owned DynamoDB key (encryption at rest, no key to manage) */
  readonly encryptionKey?: kms.IKey;
  /** @default RemovalPolicy.RETAIN (incremental cursors must survive a stack replacement) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The run state of the exporter: per-job lease and incremental cursor, one item per `pk`
 * (`lease#<job>`, `state#<job>`; the schema of libs/aws `DynamoDbStateStore` / `ensureStateTable`).
 * On-demand billing (a few writes per run), point-in-time recovery (a lost cursor means a
 * re-export), encrypted, deletion-protected and retained.
 */
export class ExportStateTable extends Construct {
  /** Item-level actions of `DynamoDbStateStore`: lease and cursor are conditional put/update/delete, reads are consistent gets. */
  static readonly EXPORTER_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;

  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: ExportStateTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: props.encryptionKey ? dynamodb.TableEncryption.CUSTOMER_MANAGED : dynamodb.TableEncryption.AWS_MANAGED,
      ...(props.encryptionKey && { encryptionKey: props.encryptionKey }),
      deletionProtection: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  /** Lease and cursor access for the exporter; no scans, no queries, no table management. */
  grantExporterAccess(grantee: iam.IGrantable): iam.Grant {
    return this.table.grant(grantee, ...ExportStateTable.EXPORTER_ACTIONS);
  }
}
